// The core of every dialect: given hosts and what the caller wants for each address family,
// decide what changes, send one TSIG-signed UPDATE per zone, and record the new state only after
// BIND acknowledged it. Nothing here knows HTTP or any dialect's words.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/gateway/log.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

enum class FamilyAction { Keep, Set, Remove };

struct FamilyIntent {
    FamilyAction action = FamilyAction::Keep;
    std::optional<IpAddress> address;  // set when action == Set

    static FamilyIntent keep() { return {}; }
    static FamilyIntent set(IpAddress a) { return {FamilyAction::Set, a}; }
    static FamilyIntent remove() { return {FamilyAction::Remove, std::nullopt}; }
};

struct HostIntent {
    const auth::Host* host = nullptr;  // owned by the caller's Principal
    FamilyIntent ipv4;
    FamilyIntent ipv6;
};

enum class ApplyStatus {
    Changed,     // BIND acknowledged and the new state is recorded
    Unchanged,   // stored state already equal; nothing sent to BIND
    DnsFailed,   // BIND refused / timed out / TSIG failed: nothing changed anywhere
    StoreFailed  // BIND changed but recording failed; the DNS change was rolled back if possible
};

struct HostApplyResult {
    ApplyStatus status = ApplyStatus::DnsFailed;
    std::optional<IpAddress> ipv4;  // the host's state after the call
    std::optional<IpAddress> ipv6;
    UpdateStatus dns_status = UpdateStatus::Success;
};

struct UpdateServiceOptions {
    // An unchanged update refreshes last_seen only when the stored value is older than this, so
    // the no-change path normally costs a single database round trip.
    std::chrono::seconds seen_refresh{60};
};

class UpdateService {
public:
    UpdateService(UpdateSender& sender, auth::HostStore& store, const Logger& log,
                  UpdateServiceOptions options = {});

    // Results are in the order of `intents`. May throw auth::StoreError only before any DNS
    // traffic (never after BIND changed something without the caller being told).
    std::vector<HostApplyResult> apply(const std::vector<HostIntent>& intents, auth::TimePoint now);

private:
    std::mutex& zone_mutex(std::int64_t zone_id);
    void apply_zone(const std::vector<std::size_t>& members, const std::vector<HostIntent>& intents,
                    std::vector<HostApplyResult>& results, auth::TimePoint now);
    UpdateResult send_group(const std::vector<std::size_t>& members,
                            const std::vector<HostIntent>& intents,
                            const std::vector<HostApplyResult>& targets);
    void record_group(const std::vector<std::size_t>& members,
                      const std::vector<HostIntent>& intents, std::vector<HostApplyResult>& results,
                      auth::TimePoint now);

    UpdateSender& sender_;
    auth::HostStore& store_;
    const Logger& log_;
    UpdateServiceOptions options_;
    std::mutex zones_mutex_;
    std::map<std::int64_t, std::unique_ptr<std::mutex>> zone_mutexes_;
};

}  // namespace ddns::gateway
