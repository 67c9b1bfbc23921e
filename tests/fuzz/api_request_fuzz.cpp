// Fuzzes the JSON account API end to end (its route-table row from add_api_routes, AccountApi,
// the account layer) over the in-memory fakes of the tests (account_world.hpp), rebuilt for
// every input so each run is reproducible. The input is lines: the method, the target below
// /api/v1/ (path and query), the Authorization value, then the body (everything after the third
// newline). An Authorization line of exactly "A" or "C" stands for the seeded valid API token
// of alice (domain plan, owns alice.example) or carol (free, one host under the public zone);
// any other line is sent as written (empty: none). Faults, at the method line's end: "!N" makes
// the self-service store fail from its (N+1)-th call on (a database outage in mid-request), "~"
// makes every argon2 run find no slot (Argon2Busy).
// Seeded beside them: bob (domain plan, a host, update and API tokens, records in his zone, a
// notice subscription with a webhook secret) and dave (not verified).
// Beyond not crashing: the status is one of docs/api.md's, never 500 (503 for the faults); a 204
// has no body, every other body is one JSON object in valid UTF-8, an error one carries the
// documented code for its status; no seeded secret (password, password hash, API or update token,
// webhook secret) and no link secret mailed during the request appears in the answer unless the
// input holds it; bob's account, hosts, tokens, records and subscriptions never change, and no DNS
// UPDATE touches his zone or his host.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "account_world.hpp"
#include "ddns/gateway/web/api.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ddns;
using namespace ddns::gateway;
using fakes::AccountWorld;

// Fixed secrets: the update tokens have the shape of real ones (32 base32 characters).
constexpr std::string_view kAlicePassword = "alice-password-1";
constexpr std::string_view kCarolPassword = "carol-password-1";
constexpr std::string_view kBobPassword = "Qx7-bob-vault-Kp2Lm9Rt4Zw";
constexpr std::string_view kDavePassword = "dave-password-1";
constexpr std::string_view kAliceApi = "ddnsapi_aliceapitokenaaaaaaaaaaaaaaaa2";
constexpr std::string_view kCarolApi = "ddnsapi_carolapitokenaaaaaaaaaaaaaaaa3";
constexpr std::string_view kBobApi = "ddnsapi_bobapitokenqqqqqqqqqqqqqqqqqq4";
constexpr std::string_view kAliceUpdate = "aliceupdatetokenaaaaaaaaaaaaaaa2";
constexpr std::string_view kBobUpdate = "bobupdatetokenzzzzzzzzzzzzzzzzz7";
constexpr std::string_view kBobWebhook = "bob-webhook-secret-Vt3Hy8Nc";
constexpr const char* kBobHost = "b1.dyn.example.test";
constexpr const char* kBobZone = "bob.example";

// Hashing the seeded passwords once keeps each run cheap.
const std::string& hash_of(std::string_view password) {
    static std::map<std::string, std::string, std::less<>> hashes;
    auto it = hashes.find(password);
    if (it == hashes.end()) {
        const auth::PasswordHasher hasher(fakes::fast_params());
        it = hashes.emplace(std::string(password), hasher.hash(Secret(password))).first;
    }
    return it->second;
}

LogOptions silent() {
    LogOptions o;
    o.level = LogLevel::Error;
    o.file = "/dev/null";
    return o;
}

ResourceRecord a_record(std::string_view owner, std::string_view address) {
    return ResourceRecord::address(*DnsName::parse(owner), 300, *IpAddress::parse(address));
}

struct Seeded {
    Seeded() : w(fakes::world_options(), silent()) {
        w.zone(1, "dyn.example.test", true);
        w.zone(2, "private.example.test", false);
        alice = account("alice", kAlicePassword, auth::Plan::Domain, true);
        bob = account("bob", kBobPassword, auth::Plan::Domain, true);
        carol = account("carol", kCarolPassword, auth::Plan::Free, true);
        account("dave", kDavePassword, auth::Plan::Free, false);
        w.zone(3, "alice.example", false, alice);
        w.zone(4, kBobZone, false, bob);
        w.record_rows.add(3, a_record("www.alice.example", "192.0.2.80"));
        w.record_rows.add(4, a_record("www.bob.example", "192.0.2.90"));
        w.record_rows.add(4, a_record("mail.bob.example", "192.0.2.25"));
        const auto a1 = *w.store.add_host(alice, *DnsName::parse("a1.dyn.example.test"), 0);
        w.store.add_host(alice, *DnsName::parse("h.alice.example"), 0);
        w.store.add_host(carol, *DnsName::parse("c1.dyn.example.test"), 0);
        const auto b1 = *w.store.add_host(bob, *DnsName::parse(kBobHost), 0);
        w.host_rows.rows[b1].ipv4 = IpAddress::parse("203.0.113.9");
        w.store.history[a1].push_back(
            {w.clock.now, "203.0.113.7", "curl", "dyndns2", "good", "", true});
        w.store.add_update_token(alice, a1, "router", auth::token_digest(kAliceUpdate), {});
        w.store.add_update_token(bob, b1, "router", auth::token_digest(kBobUpdate), {});
        w.store.add_api_token(alice, "fixed", auth::token_digest(kAliceApi));
        w.store.add_api_token(carol, "fixed", auth::token_digest(kCarolApi));
        w.store.add_api_token(bob, "fixed", auth::token_digest(kBobApi));
        auth::NewNoticeSubscription s;
        s.account_id = bob;
        s.kinds = {auth::NoticeKind::Offline};
        s.webhook_url = "https://hooks.example.org/bob";
        w.notices.add_subscription(s, std::string(kBobWebhook));
        add_api_routes(routes, api);
    }
    std::int64_t account(const std::string& name, std::string_view password, auth::Plan plan,
                         bool verified) {
        auth::NewAccount a{name, name + "@example.org", hash_of(password), plan, verified};
        return *w.store.create_account(a, std::nullopt, w.clock.now, std::nullopt);
    }

    // Everything of bob's that no request of anyone else may change.
    std::string bob_state() {
        std::ostringstream out;
        const auto& user = w.store.accounts.at(bob);
        const auto& a = user.account;
        out << a.username << '|' << a.email << '|' << static_cast<int>(a.plan) << '|'
            << a.dynamic_updates << a.disabled << a.blocked << user.verified << '|'
            << a.password_hash << '\n';
        for (const auto& h : w.store.hosts(bob)) {
            out << h.name.str() << ' ' << (h.ipv4 ? h.ipv4->to_string() : "-") << ' '
                << (h.ipv6 ? h.ipv6->to_string() : "-") << ' ' << h.extra_ipv4.size() << ' '
                << (h.heartbeat_setting ? h.heartbeat_setting->count() : -1) << ' '
                << h.offline_action_setting.has_value() << h.offline_since.has_value() << '\n';
        }
        for (const auto& t : w.store.update_tokens(bob)) out << "u" << t.id << t.name << '\n';
        for (const auto& t : w.store.api_tokens(bob)) out << "a" << t.id << t.name << '\n';
        for (const auto& r : w.record_rows.stored(4))
            out << r.owner().str() << ' ' << r.ttl() << ' ' << r.data_text() << '\n';
        for (const auto& s : w.notices.subscriptions(bob)) out << "n" << s.id << s.webhook_url;
        return out.str();
    }

    AccountWorld w;
    AccountApi api{w.service, w.log};
    RouteTable routes;
    std::int64_t alice = 0;
    std::int64_t bob = 0;
    std::int64_t carol = 0;
};

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1FU;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0FU;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (i + n >= text.size()) return false;  // cut short
        for (std::size_t k = 1; k <= n; ++k) {
            const auto d = static_cast<unsigned char>(text[i + k]);
            if ((d & 0xC0U) != 0x80U) return false;
            cp = (cp << 6) | (d & 0x3FU);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

// docs/api.md's error table: every code with its status.
const std::map<std::string, int>& documented_codes() {
    static const std::map<std::string, int> codes = {{"bad_json", 400},
                                                     {"bad_request", 400},
                                                     {"bad_input", 400},
                                                     {"link_invalid", 400},
                                                     {"unauthorized", 401},
                                                     {"bad_credentials", 401},
                                                     {"registration_closed", 403},
                                                     {"bad_invite", 403},
                                                     {"not_verified", 403},
                                                     {"account_locked", 403},
                                                     {"not_allowed", 403},
                                                     {"host_limit", 403},
                                                     {"reserved", 403},
                                                     {"not_found", 404},
                                                     {"method_not_allowed", 405},
                                                     {"name_taken", 409},
                                                     {"in_use", 409},
                                                     {"conflict", 409},
                                                     {"throttled", 429},
                                                     {"busy", 503},
                                                     {"dns_failed", 502},
                                                     {"unavailable", 503}};
    return codes;
}

void check_body(const Response& r) {
    if (r.status == 204) {
        DDNS_FUZZ_CHECK(r.body.empty());
        return;
    }
    DDNS_FUZZ_CHECK(valid_utf8(r.body));
    Poco::JSON::Object::Ptr body;
    try {
        Poco::JSON::Parser parser;
        const auto value = parser.parse(r.body);
        if (value.type() == typeid(Poco::JSON::Object::Ptr))
            body = value.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
        body = nullptr;  // not JSON
    }
    DDNS_FUZZ_CHECK(!body.isNull());
    if (r.status < 400) return;
    const auto error = body->getObject("error");
    DDNS_FUZZ_CHECK(error && error->has("code") && error->get("code").isString());
    DDNS_FUZZ_CHECK(error->has("message") && error->get("message").isString());
    const auto code = documented_codes().find(error->getValue<std::string>("code"));
    DDNS_FUZZ_CHECK(code != documented_codes().end() && code->second == r.status);
}

// The secrets an answer may never hold (unless the request itself carried them).
std::vector<std::string> secrets(const Seeded& s) {
    std::vector<std::string> out;
    for (auto text : {kAlicePassword, kCarolPassword, kBobPassword, kDavePassword, kAliceApi,
                      kCarolApi, kBobApi, kAliceUpdate, kBobUpdate, kBobWebhook})
        out.emplace_back(text);
    for (const auto& [id, user] : s.w.store.accounts) out.push_back(user.account.password_hash);
    for (const auto& mail : s.w.outbox.sent)
        if (auto at = mail.body.find("token="); at != std::string::npos)
            out.push_back(mail.body.substr(at + 6, mail.body.find('\n', at) - at - 6));
    return out;
}

bool touches_bob(const UpdateRequest& u) {
    const auto bob_host = *DnsName::parse(kBobHost);
    if (u.zone == *DnsName::parse(kBobZone)) return true;
    for (const auto& op : u.operations) {
        const DnsName& owner = std::visit(
            [](const auto& o) -> const DnsName& {
                if constexpr (requires { o.owner; })
                    return o.owner;
                else
                    return o.record.owner();
            },
            op);
        if (owner.is_at_or_below(bob_host)) return true;
    }
    return false;
}

struct Faults {
    std::optional<int> store_after;
    bool busy = false;
};

RequestView request_from(std::string_view text, Faults& faults) {
    auto line = [&text]() {
        const auto nl = text.find('\n');
        const std::string_view out = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        return std::string(out);
    };
    RequestView request;
    request.method = line();
    if (request.method.ends_with('~')) {
        request.method.pop_back();
        faults.busy = true;
    }
    if (const auto bang = request.method.rfind('!'); bang != std::string::npos) {
        const std::string digits = request.method.substr(bang + 1);
        if (!digits.empty() && digits.size() <= 3 &&
            digits.find_first_not_of("0123456789") == std::string::npos)
            faults.store_after = std::stoi(digits);
        request.method.erase(bang);
    }
    const std::string target = line();
    const auto question = target.find('?');
    request.path = "/api/v1/" + target.substr(0, question);
    if (question != std::string::npos)
        request.query = QueryParams::parse(std::string_view(target).substr(question + 1));
    std::string authorization = line();
    if (authorization == "A") authorization = "Bearer " + std::string(kAliceApi);
    if (authorization == "C") authorization = "Bearer " + std::string(kCarolApi);
    if (!authorization.empty()) request.headers.push_back({"Authorization", authorization});
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = std::string(text);
    request.peer = request.client = *IpAddress::parse("198.51.100.9");
    return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 65536) return 0;  // http.max_body_bytes: the listener refuses more
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    Seeded s;
    const std::string bob_before = s.bob_state();
    Faults faults;
    const RequestView request = request_from(text, faults);
    s.w.store.calls = 0;
    s.w.store.fail_after = faults.store_after;
    s.w.hasher.busy = faults.busy;

    const Response r = s.routes.route(request);
    s.w.store.fail_after.reset();
    s.w.hasher.busy = false;
    // DDNS_FUZZ_SHOW=1 prints each answer (to read what a crashing input got).
    if (std::getenv("DDNS_FUZZ_SHOW"))
        std::fprintf(stderr, "%d %s\n%s\n", r.status, r.reason.c_str(), r.body.c_str());

    static const std::set<int> kStatuses = {200, 201, 202, 204, 400, 401, 403,
                                            404, 405, 409, 429, 502, 503};
    DDNS_FUZZ_CHECK(kStatuses.count(r.status) == 1);
    check_body(r);
    std::string answer = r.body;
    for (const auto& h : r.headers) answer += "\n" + h.name + ": " + h.value;
    for (const auto& secret : secrets(s))
        if (!secret.empty() && text.find(secret) == std::string_view::npos)
            DDNS_FUZZ_CHECK(answer.find(secret) == std::string::npos);
    DDNS_FUZZ_CHECK(s.bob_state() == bob_before);
    for (const auto& update : s.w.sender.sent) DDNS_FUZZ_CHECK(!touches_bob(update));
    return 0;
}
