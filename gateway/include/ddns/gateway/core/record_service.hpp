// Records beyond the dynamic hosts' addresses, as domain accounts manage them (the MyServer
// dialect and `admin record`): add one RR to its RRset (a second A makes a round robin), remove
// one RR or a whole RRset. Same consistency rule as the host path: the database changes only
// after BIND acknowledged. Nothing here knows HTTP or any dialect's words.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/auth/record_store.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/core/zone_batch.hpp"
#include "ddns/nsupdate/record.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

enum class RecordOutcome {
    Added,
    Removed,
    AlreadyExists,  // the exact RR is already there
    NotFound,       // nothing matched the removal
    CnameConflict,  // CNAME next to other data, or data next to a CNAME (BIND would ignore it)
    NameTaken,      // the name is a dynamic host's or its wildcard mirror's (*.<host>; their
                    // addresses belong to the host path; no A/AAAA/CNAME/NS there), or NS at the
                    // apex (the zone operator's)
    OutsideZone,    // the owner name is not inside the zone
    // An MX whose exchange lies in the zone and has neither A nor AAAA there: BIND refuses it
    // (its update integrity check); nothing changed.
    TargetWithoutAddress,
    // BIND refused: nothing changed anywhere. Its reply lost: the RRset is marked in doubt.
    DnsFailed,
    // The database failed: nothing changed (the DNS change was rolled back, guarded), or the
    // commit's outcome is unknown (DNS kept, the RRset marked in doubt).
    StoreFailed,
};

struct RecordResult {
    RecordOutcome outcome = RecordOutcome::DnsFailed;
    UpdateStatus dns_status = UpdateStatus::Success;  // meaningful for DnsFailed
};

// Which stored RRs a removal takes: every RR of `type` at `name`, narrowed to the one whose rdata
// equals `data` when set, or to MX records of `mx_preference` when set.
struct RecordSelector {
    DnsName name;
    RecordType type = RecordType::A;
    std::optional<Rdata> data;
    std::optional<std::uint16_t> mx_preference;
};

class RecordService {
public:
    RecordService(UpdateSender& sender, auth::RecordStore& store, const Logger& log);

    RecordResult add(const auth::Zone& zone, const ResourceRecord& record);
    RecordResult remove(const auth::Zone& zone, const RecordSelector& selector);
    // The zone's records as stored (equal to what BIND holds). May throw auth::StoreError.
    std::vector<ResourceRecord> list(const auth::Zone& zone);

private:
    ZoneBatchResult run(const auth::Zone& zone, const DnsName& name, RecordType type,
                        const std::string& what, std::unique_ptr<auth::RecordChange> change,
                        const UpdateRequest& request, const UpdateRequest& undo,
                        const std::function<void(auth::RecordChange&)>& write);
    bool target_lacks_address(const auth::Zone& zone, const ResourceRecord& record);

    UpdateSender& sender_;
    auth::RecordStore& store_;
    const Logger& log_;
};

}  // namespace ddns::gateway
