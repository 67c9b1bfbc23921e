// Storage seams used by the core. The PostgreSQL implementation lives in sql/; tests use fakes.
// Backend failures (database down, unexpected SQL error) throw StoreError; the one per-request
// catch site turns it into the dialect's server-error answer.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ddns/auth/model.hpp"

namespace ddns::auth {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class AccountStore {
public:
    virtual ~AccountStore() = default;
    // One round trip: the account named `username` (case-insensitive), its hosts with their
    // zones, and the token of that account whose SHA-256 hex digest is `token_digest`, if any.
    virtual std::optional<Principal> load_principal(std::string_view username,
                                                    std::string_view token_digest) = 0;
};

class HostStore {
public:
    virtual ~HostStore() = default;
    // Records the state BIND acknowledged. Called only after a NOERROR, TSIG-verified reply.
    // Families not in the change keep their stored value: `ipv4`/`ipv6` are the complete new
    // state of the host (nullopt = no record of that family).
    virtual void record_applied(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                                const std::optional<IpAddress>& ipv6, TimePoint now) = 0;
    // Refreshes last_seen for an authenticated update that changed nothing.
    virtual void record_seen(std::int64_t host_id, TimePoint now) = 0;
};

}  // namespace ddns::auth
