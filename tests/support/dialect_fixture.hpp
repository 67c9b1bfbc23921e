// What a dialect unit test stands on: the shared fakes (accounts, hosts, records, DNS), a real
// Authenticator and UpdateService over them, the address policy, a quiet logger and a fixed
// clock, plus helpers for accounts, zones and hosts. Header only: it needs the gateway's core,
// which ddns_test_fakes does not link.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/http/request.hpp"
#include "fakes.hpp"

namespace ddns::fakes {

struct DialectFixture {
    static constexpr const char* kPassword = "pw";

    static IpAddress ip(const char* text) { return *IpAddress::parse(text); }
    static DnsName name(const char* text) { return *DnsName::parse(text); }

    std::shared_ptr<const auth::Zone> zone(std::int64_t id, const char* zone_name,
                                           std::optional<std::int64_t> owner = std::nullopt) {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0");
        return std::make_shared<auth::Zone>(auth::Zone{
            id, name(zone_name), ServerEndpoint{ip("127.0.0.1"), 53}, std::move(*key), 60, owner});
    }
    auth::Account account(std::int64_t id, const char* user, auth::Plan plan = auth::Plan::Free) {
        return auth::Account{id, user, "", plan, false, std::nullopt, false, password_hash};
    }
    // A host of `principal` with its stored row.
    void add_host(auth::Principal& principal, std::int64_t id, const char* host_name,
                  const std::shared_ptr<const auth::Zone>& in,
                  std::optional<IpAddress> ipv4 = std::nullopt) {
        principal.hosts.push_back(auth::Host{id, principal.account.id, name(host_name), 60, ipv4,
                                             std::nullopt, std::nullopt, in});
        hosts.rows[id] = {id, ipv4, std::nullopt};
    }
    gateway::RequestView request(const std::string& method, const std::string& path,
                                 const std::string& query) const {
        gateway::RequestView r;
        r.method = method;
        r.path = path;
        r.query = gateway::QueryParams::parse(query);
        r.peer = r.client = ip("198.51.100.9");
        return r;
    }

    auth::PasswordHasher hasher{fast_params()};
    std::string password_hash = hasher.hash(Secret(std::string_view(kPassword)));
    FakeAccountStore accounts;
    FakeSender sender;
    FakeHostStore hosts;
    FakeRecordStore records;
    FakeClock clock;
    gateway::Logger log{gateway::LogLevel::Error};
    auth::Authenticator authenticator{accounts, hasher, clock.function()};
    gateway::UpdateService updates{sender, hosts, log};
    gateway::RecordService record_service{sender, records, log};
    gateway::AddressPolicy policy;
};

}  // namespace ddns::fakes
