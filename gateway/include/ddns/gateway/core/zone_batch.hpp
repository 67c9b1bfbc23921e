// The parts every batched change to one zone shares (update service, offline sweeper, record
// service): which refusals are worth retrying host by host, sending a batch with that split,
// and the outcome of the commit that records it. See docs/design.md, "Batched updates".
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ddns/auth/store.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

// The one rule: failures one change of a message may cause (a refusal, a failed prerequisite),
// so that sending each host alone can save the others. Transport and key failures are the same
// for every change; retrying singly would only multiply the load on a sick server.
bool retry_singly(UpdateStatus status);

// Failures after which BIND may have applied the message although nobody heard it say so (the
// reply was lost or could not be verified): the hosts are in doubt, not certainly unchanged.
bool outcome_unknown(UpdateStatus status);

struct BatchSendResult {
    std::vector<const auth::Host*> applied;       // BIND acknowledged these
    std::map<std::int64_t, UpdateResult> failed;  // host id -> why not
};

// Sends `hosts` in one message built by `send`; when BIND refuses it by retry_singly(), sends
// each host alone so that one bad change cannot fail the others.
BatchSendResult send_split(
    const std::vector<const auth::Host*>& hosts,
    const std::function<UpdateResult(const std::vector<const auth::Host*>&)>& send);

// How recording a batch in the database ended.
enum class CommitOutcome {
    Committed,
    Failed,   // certainly not committed: DNS may be compensated
    Unknown,  // connection lost during COMMIT: DNS is kept, the hosts are marked in doubt
};

// Runs `record` (the inserts and the commit); a thrown auth::CommitUnknown is Unknown, any other
// auth::StoreError is Failed. `what` receives the error text.
CommitOutcome record_batch(const std::function<void()>& record, std::string& what);

}  // namespace ddns::gateway
