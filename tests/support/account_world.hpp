// An AccountService over the in-memory fakes (self_service_fakes.hpp and fakes.hpp), with the
// real authenticator, throttle, update service and record service on top of them: what the
// account layer's unit tests and the api_request fuzz target run against. Header-only, so only
// the binaries that include it link the gateway's account layer.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddns/auth/argon2_gate.hpp"
#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/token.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "fakes.hpp"
#include "self_service_fakes.hpp"

namespace ddns::fakes {

// argon2 with the cheapest parameters; `busy` makes every hash and verification throw
// Argon2Busy, as when every slot of the gate stayed taken.
class SwitchableHasher final : public auth::PasswordHasher {
public:
    SwitchableHasher() : PasswordHasher(fast_params()) {}
    std::string hash(const Secret& password) const override {
        if (busy) throw auth::Argon2Busy(std::chrono::seconds(3));
        return PasswordHasher::hash(password);
    }
    bool verify(std::string_view encoded_hash, const Secret& password) const override {
        if (busy) throw auth::Argon2Busy(std::chrono::seconds(3));
        return PasswordHasher::verify(encoded_hash, password);
    }
    bool busy = false;
};

// Remembers which accounts' web sessions the service ended.
class RecordingSessions final : public gateway::SessionTerminator {
public:
    void end_sessions(std::int64_t account_id, const std::optional<std::string>& keep) override {
        ended.emplace_back(account_id, keep);
    }
    std::vector<std::pair<std::int64_t, std::optional<std::string>>> ended;
};

inline gateway::AccountOptions world_options() {
    gateway::AccountOptions o;
    o.registration = gateway::Registration::Open;
    o.max_hosts_per_account = 2;
    o.reserved_labels = {"www", "mail"};
    o.base_url = "https://gw.example.test";
    return o;
}

inline gateway::LogOptions error_log() {
    gateway::LogOptions o;
    o.level = gateway::LogLevel::Error;
    return o;
}

inline TsigKey world_key() {
    auto key = make_tsig_key("gw-key", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
    return std::move(*key);
}

struct AccountWorld {
    explicit AccountWorld(gateway::AccountOptions options = world_options(),
                          gateway::LogOptions log_options = error_log())
        : log(log_options), service(deps(), std::move(options)) {
        store.mail_outbox = &outbox;
    }
    AccountWorld(const AccountWorld&) = delete;
    AccountWorld& operator=(const AccountWorld&) = delete;

    // A zone on 127.0.0.1:53 (the fake sender answers for it).
    std::shared_ptr<const auth::Zone> zone(std::int64_t id, std::string_view name, bool is_public,
                                           std::optional<std::int64_t> owner = std::nullopt) {
        auth::Zone z{id,
                     *DnsName::parse(name),
                     ServerEndpoint{*IpAddress::parse("127.0.0.1"), 53},
                     world_key(),
                     60,
                     owner};
        return store.add_zone(std::move(z), is_public);
    }

    // An account with this password (verified unless told otherwise).
    std::int64_t account(const std::string& username, std::string_view password,
                         bool verified = true, auth::Plan plan = auth::Plan::Free) {
        auth::NewAccount a{username, username + "@example.org", hasher.hash(Secret(password)), plan,
                           verified};
        return *store.create_account(a, std::nullopt, clock.now, std::nullopt);
    }

    // The link of the last mail to `to` (the text after "token=" up to the line's end).
    std::optional<std::string> last_link(const std::string& to) const {
        for (auto it = outbox.sent.rbegin(); it != outbox.sent.rend(); ++it) {
            if (it->to != to) continue;
            const auto at = it->body.find("token=");
            if (at == std::string::npos) return std::nullopt;
            const auto end = it->body.find('\n', at);
            return it->body.substr(at + 6, end - at - 6);
        }
        return std::nullopt;
    }

    FakeClock clock;
    FakeSteadyClock steady;
    FakeAccountStore principals;
    FakeHostStore host_rows;
    FakeRecordStore record_rows;
    FakeSelfServiceStore store{principals, host_rows, &record_rows, clock.function()};
    FakeMailOutbox outbox;
    FakeNoticeStore notices;
    FakeSender sender;
    SwitchableHasher hasher;
    gateway::Logger log;
    auth::FailureThrottle throttle{auth::FailureThrottleOptions{}, steady.function()};
    auth::Authenticator authenticator{principals, hasher, clock.function(), {}, &throttle};
    gateway::UpdateService updates{sender, host_rows, log};
    gateway::RecordService records{sender, record_rows, log};
    gateway::AddressPolicy policy;
    RecordingSessions sessions;
    gateway::AccountService service;

private:
    gateway::AccountService::Deps deps() {
        return gateway::AccountService::Deps{
            store,   principals, authenticator, &throttle, hasher,           outbox,    updates,
            records, sender,     policy,        log,       clock.function(), &sessions, &notices};
    }
};

}  // namespace ddns::fakes
