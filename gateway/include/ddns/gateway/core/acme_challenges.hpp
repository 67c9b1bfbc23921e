// ACME DNS-01 challenge answers: TXT records at `_acme-challenge.<host>` in the host's zone,
// written through the record service (the usual TSIG UPDATE path, stored in `records`, so the
// reconciler keeps them too). At most two values per name, as acme-dns keeps them: two
// certificates (say, the name and its wildcard) may be validating at once, and a third value
// replaces the oldest. Who may do this is auth::Principal::may_answer_challenge; nothing here
// knows HTTP or a client's words.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ddns/auth/model.hpp"
#include "ddns/auth/record_store.hpp"
#include "ddns/gateway/core/record_service.hpp"

namespace ddns::gateway {

// The most values one challenge name holds.
inline constexpr std::size_t kMaxChallengeValues = 2;

// A DNS-01 value is the base64url SHA-256 of a key authorisation, unpadded: exactly 43
// characters of [A-Za-z0-9_-] (RFC 8555 §8.4).
bool valid_challenge_value(std::string_view value) noexcept;

// `_acme-challenge.<host>`; nullopt when that name would be too long.
std::optional<DnsName> challenge_name(const DnsName& host);
// The host a challenge name belongs to (the name without its first label), when the first label
// is `_acme-challenge`.
std::optional<DnsName> challenge_host(const DnsName& name);

enum class ChallengeOutcome {
    Done,         // the value is there (present) or gone (cleanup); also when it already was
    DnsFailed,    // BIND refused or did not answer: see the record service
    StoreFailed,  // the database failed
    Refused,      // the name is taken by something else (a CNAME, a host of that name)
};

class AcmeChallenges {
public:
    AcmeChallenges(RecordService& records, auth::RecordStore& store)
        : records_(records), store_(store) {}

    // Adds `value` (valid_challenge_value) at challenge_name(host.name), first removing the
    // oldest values so that at most kMaxChallengeValues remain. May throw auth::StoreError.
    ChallengeOutcome present(const auth::Host& host, std::string_view value);
    // Removes `value` there; Done also when it was not there.
    ChallengeOutcome cleanup(const auth::Host& host, std::string_view value);

private:
    RecordService& records_;
    auth::RecordStore& store_;
};

}  // namespace ddns::gateway
