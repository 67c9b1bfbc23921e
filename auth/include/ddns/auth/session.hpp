// Web sessions: a random 256-bit id in the browser's cookie, only its SHA-256 in the database
// (a copy of the table logs nobody in). The store seam is here so every front can reach it: the
// web pages create and end sessions, the account layer ends all of an account's sessions after
// a password change or reset (SessionStore::end_account).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ddns/auth/model.hpp"
#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth {

struct NewSessionId {
    Secret id;           // 43 characters of unpadded base64url (256 random bits), the cookie value
    std::string digest;  // lower-case hex SHA-256 of the id, what the store keeps
};
NewSessionId generate_session_id();
// True when `text` has the shape of a session id (43 base64url characters); only such values
// are digested and looked up.
bool looks_like_session_id(std::string_view text) noexcept;

// How long a session lives: `idle` after its last use, `absolute` after it began.
struct SessionLifetime {
    std::chrono::seconds idle{std::chrono::hours(2)};
    std::chrono::seconds absolute{std::chrono::hours(24 * 7)};
};

struct SessionRecord {
    std::int64_t account_id = 0;
    TimePoint created_at;
    TimePoint last_seen;
};

class SessionStore {
public:
    virtual ~SessionStore() = default;
    // Stores a new session of `account_id`; ids are random, so a clash is a StoreError.
    virtual void create(const std::string& digest, std::int64_t account_id, TimePoint now) = 0;
    // The session if it exists and neither lifetime has passed at `now`; refreshes its
    // last use to `now` when that is older than `refresh_after` (so a page view rarely writes).
    virtual std::optional<SessionRecord> find(const std::string& digest, TimePoint now,
                                              const SessionLifetime& lifetime,
                                              std::chrono::seconds refresh_after) = 0;
    // Ends one session (logout). True when it existed.
    virtual bool end(const std::string& digest) = 0;
    // Ends every session of the account except `keep` (the digest of the session that asked, if
    // any); returns how many ended. Call it after a password change, a reset, a deletion.
    virtual std::size_t end_account(std::int64_t account_id,
                                    const std::optional<std::string>& keep = std::nullopt) = 0;
    // Deletes the sessions past a lifetime at `now`; returns how many.
    virtual std::size_t prune(TimePoint now, const SessionLifetime& lifetime) = 0;
};

}  // namespace ddns::auth
