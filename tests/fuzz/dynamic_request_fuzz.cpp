// Fuzzes the /dynamic dialect end to end on its parameters (DynamicDialect::handle with fake
// stores and a fake DNS sender): the query string (`host`, `ip`, `user`, `password`, repeated,
// percent-encoded, with control bytes) and, after a newline in the input, an Authorization
// header value. One account `alice` (updates on) owns `home.example.test`; its token is `tok`.
// Beyond not crashing: every answer is a row of the wire table with its `Status` header; no
// error body holds "ok" in any case; an UPDATE reaches DNS only for alice's token and exactly
// her host's name, answered 200 (or 502 when DNS fails); a 200 happens only then.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "ddns/auth/token.hpp"
#include "ddns/gateway/dialects/dynamic_dialect.hpp"
#include "fakes.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ddns;
using namespace ddns::gateway;
using namespace ddns::fakes;

constexpr const char* kHost = "home.example.test";

// Cheap and exact: the fuzzer explores parameters, not argon2.
class PlainHasher final : public auth::PasswordHasher {
public:
    PlainHasher() : PasswordHasher(auth::Argon2Params{1, std::size_t{8} * 1024}) {}
    bool verify(std::string_view encoded_hash, const Secret& password) const override {
        return encoded_hash == password.expose_view();
    }
};

struct World {
    World() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0");
        auto zone = std::make_shared<auth::Zone>(auth::Zone{
            1, *DnsName::parse("example.test"), ServerEndpoint{*IpAddress::parse("127.0.0.1"), 53},
            std::move(*key), 60, std::nullopt});
        auth::Account alice{7,    "alice",      "",    auth::Plan::Free,
                            true, std::nullopt, false, "account-password"};
        auth::Principal principal{alice, {}, std::nullopt, {}};
        principal.hosts.push_back(auth::Host{100, 7, *DnsName::parse(kHost), 60, std::nullopt,
                                             std::nullopt, std::nullopt, zone});
        accounts.add(principal);
        accounts.add_token("alice", auth::token_digest(std::string_view("tok")),
                           auth::TokenMatch{1, std::nullopt});
        hosts.rows[100] = {100, std::nullopt, std::nullopt};
    }
    PlainHasher hasher;
    FakeAccountStore accounts;
    FakeSender sender;
    FakeHostStore hosts;
    Logger log{LogLevel::Error};
    auth::Authenticator authenticator{accounts, hasher, [] { return auth::Clock::now(); }};
    UpdateService updates{sender, hosts, log};
    AddressPolicy policy;
    DynamicDialect dialect{authenticator,   updates, policy, log, [] { return auth::Clock::now(); },
                           DynamicOptions{}};
};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::optional<std::string> header(const Response& r, std::string_view name) {
    for (const auto& h : r.headers)
        if (h.name == name) return h.value;
    return std::nullopt;
}

// Whether the request carries alice's token the way the dialect reads credentials.
bool alice_token(const RequestView& request) {
    const auto user = request.query.get("user");
    const auto password = request.query.get("password");
    if (user || password) return user == "alice" && password == "tok";
    const auto authorization = request.header("Authorization");
    if (!authorization) return false;
    const auto basic = parse_basic_authorization(*authorization);
    return basic && basic->username == "alice" && basic->password.expose_view() == "tok";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto newline = text.find('\n');
    RequestView request;
    request.method = "GET";
    request.path = "/dynamic";
    request.query = QueryParams::parse(text.substr(0, newline));
    if (newline != std::string_view::npos)
        request.headers.push_back({"Authorization", std::string(text.substr(newline + 1))});
    request.peer = request.client = *IpAddress::parse("198.51.100.9");

    const std::size_t sent_before = world.sender.sent.size();
    const Response r = world.dialect.handle(request);
    const bool updated = world.sender.sent.size() > sent_before;

    static const std::set<int> kStatuses = {200, 400, 401, 403, 404, 405, 429, 502, 503};
    DDNS_FUZZ_CHECK(kStatuses.count(r.status) == 1);
    DDNS_FUZZ_CHECK(header(r, "Status") == std::to_string(r.status) + " " + r.reason);
    if (r.status != 200) DDNS_FUZZ_CHECK(lower(r.body).find("ok") == std::string::npos);
    const auto host = request.query.get("host");
    const bool exact_host = host && DnsName::parse(*host) == DnsName::parse(kHost);
    if (updated) {
        DDNS_FUZZ_CHECK(alice_token(request) && exact_host);
        DDNS_FUZZ_CHECK(world.sender.sent.back().zone == *DnsName::parse("example.test"));
        DDNS_FUZZ_CHECK(r.status == 200 || r.status == 502);
    }
    if (r.status == 200) {
        DDNS_FUZZ_CHECK(r.body == "OK");
        DDNS_FUZZ_CHECK(alice_token(request) && exact_host);
        DDNS_FUZZ_CHECK(parse_dynamic_address(request.query, request.client).has_value());
    }
    // Keeps the fake sender's record small over a long run.
    if (world.sender.sent.size() > 1000) world.sender.sent.clear();
    return 0;
}
