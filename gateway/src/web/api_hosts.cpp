// JSON API handlers for a user's hosts (names, addresses set by hand, heartbeat and offline
// action, history) and update tokens.
#include "api_support.hpp"

namespace ddns::gateway::api {
namespace {

Poco::Dynamic::Var address_value(const std::optional<IpAddress>& a) {
    if (!a) return Poco::Dynamic::Var();
    return a->to_string();
}

Poco::Dynamic::Var seconds_value(const std::optional<std::chrono::seconds>& s) {
    if (!s) return Poco::Dynamic::Var();
    return static_cast<Poco::Int64>(s->count());
}

Poco::JSON::Object::Ptr host_json(const auth::UserHost& h) {
    auto o = object();
    o->set("name", h.name.str());
    o->set("zone", h.zone.str());
    o->set("ipv4", address_value(h.ipv4));
    // The whole A set: ipv4 first, then a MyServer round robin's further addresses.
    Poco::JSON::Array::Ptr all = new Poco::JSON::Array;
    if (h.ipv4) all->add(h.ipv4->to_string());
    for (const auto& a : h.extra_ipv4) all->add(a.to_string());
    o->set("ipv4_all", all);
    o->set("ipv6", address_value(h.ipv6));
    o->set("last_seen", time_value(h.last_seen));
    o->set("last_update", time_value(h.updated_at));
    o->set("online", !h.offline_since.has_value());
    o->set("offline_since", time_value(h.offline_since));
    if (h.offline_reason)
        o->set("offline_reason", std::string(auth::to_string(*h.offline_reason)));
    else
        o->set("offline_reason", Poco::Dynamic::Var());
    o->set("blocked", h.blocked);
    o->set("heartbeat",
           seconds_value(h.heartbeat_setting ? h.heartbeat_setting : h.zone_heartbeat));
    o->set("heartbeat_own", h.heartbeat_setting.has_value());
    o->set("offline_action",
           std::string(auth::to_string(h.offline_action_setting.value_or(h.zone_offline_action))));
    auto faults = object();
    faults->set("client", h.client_faults);
    faults->set("server", h.server_faults);
    faults->set("auth", h.auth_faults);
    faults->set("last", text_or_null(h.last_fault));
    faults->set("last_at", time_value(h.last_fault_at));
    o->set("faults", faults);
    // IPv6 prefixes (protocols.md §9): the router's last prefix, what a derived host follows,
    // and the hosts that follow this one.
    o->set("ipv6_prefix",
           h.ipv6_prefix ? Poco::Dynamic::Var(h.ipv6_prefix->to_string()) : Poco::Dynamic::Var());
    o->set("derived_from",
           h.derived_from ? Poco::Dynamic::Var(h.derived_from->str()) : Poco::Dynamic::Var());
    o->set("interface_id", h.derived_from ? address_value(h.interface_id) : Poco::Dynamic::Var());
    o->set("prefix_length",
           h.derived_from ? Poco::Dynamic::Var(h.prefix_length) : Poco::Dynamic::Var());
    Poco::JSON::Array::Ptr derived = new Poco::JSON::Array;
    for (const auto& d : h.derived_hosts) derived->add(d.str());
    o->set("derived_hosts", derived);
    return o;
}

Response one_host(const AccountResult<auth::UserHost>& host, int status = 200) {
    if (!host) return failure(host.error());
    return json(status, host_json(*host));
}

Poco::Dynamic::Var seconds_or_null(const std::optional<std::chrono::seconds>& s) {
    if (!s) return Poco::Dynamic::Var();
    return static_cast<Poco::Int64>(s->count());
}

// An update token as listed: token_object's fields, its limits (migration 019) and the address
// of its last use.
Poco::JSON::Object::Ptr update_token_object(const auth::TokenInfo& t) {
    auto o = token_object(t);
    o->set("purpose", std::string(auth::to_string(t.limits.purpose)));
    Poco::JSON::Array::Ptr networks = new Poco::JSON::Array;
    for (const auto& n : t.limits.networks) networks->add(n.to_string());
    o->set("networks", networks);
    o->set("max_age_seconds", seconds_or_null(t.limits.max_age));
    o->set("max_unused_seconds", seconds_or_null(t.limits.max_unused));
    o->set("last_used_address", address_value(t.last_used_address));
    return o;
}

}  // namespace

Response list_zones(Call& c) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& z : c.accounts.public_zones()) list->add(z.name.str());
    auto o = object();
    o->set("public_zones", list);
    Poco::JSON::Array::Ptr owned = new Poco::JSON::Array;
    if (auto zones = c.accounts.owned_zones(c.account_id))
        for (const auto& z : *zones) owned->add(z.name.str());
    o->set("owned_zones", owned);  // a domain account's zones (their records: zones/{zone}/records)
    o->set("max_hosts", static_cast<Poco::UInt64>(c.accounts.options().max_hosts_per_account));
    return json(200, o);
}

Response check_name(Call& c) {
    auto done = c.accounts.check_host_name(c.account_id, c.params.at(0));
    auto o = object();
    o->set("name", c.params.at(0));
    o->set("available", done.has_value());
    if (!done) {
        o->set("code", std::string(to_string(done.error().error)));
        o->set("message", done.error().message);
    }
    return json(200, o);
}

Response list_hosts(Call& c) {
    auto hosts = c.accounts.hosts(c.account_id);
    if (!hosts) return failure(hosts.error());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& h : *hosts) list->add(host_json(h));
    auto o = object();
    o->set("hosts", list);
    return json(200, o);
}

Response add_host(Call& c) {
    Fields f(c.body);
    const std::string name = f.text("name");
    if (auto p = f.problem()) return *p;
    return one_host(c.accounts.add_host(c.account_id, name), 201);
}

Response get_host(Call& c) {
    return one_host(c.accounts.host(c.account_id, c.params.at(0)));
}

Response remove_host(Call& c) {
    auto done = c.accounts.remove_host(c.account_id, c.params.at(0));
    if (!done) return failure(done.error());
    return no_content();
}

Response configure_host(Call& c) {
    Fields f(c.body);
    HostSettings settings;
    if (auto hb = f.nullable_integer("heartbeat")) {
        if (*hb && **hb < 0) return error(400, "bad_request", "field 'heartbeat' is negative");
        settings.heartbeat = *hb ? std::optional(std::chrono::seconds(**hb)) : std::nullopt;
    }
    if (auto action = f.nullable_text("offline_action")) {
        std::optional<auth::OfflineAction> parsed;
        if (*action) {
            parsed = auth::parse_offline_action(**action);
            if (!parsed)
                return error(400, "bad_request",
                             "field 'offline_action' is \"delete\", \"sentinel\" or null");
        }
        settings.offline_action = parsed;
    }
    if (auto p = f.problem()) return *p;
    return one_host(c.accounts.configure_host(c.account_id, c.params.at(0), settings));
}

Response set_address(Call& c) {
    Fields f(c.body);
    AddressChange change;
    const auto v4 = f.nullable_text("ipv4");
    const auto v6 = f.nullable_text("ipv6");
    if (auto p = f.problem()) return *p;
    auto read = [](const std::optional<std::optional<std::string>>& field,
                   std::optional<IpAddress>& address, bool& clear) {
        if (!field) return true;
        if (!*field) {
            clear = true;
            return true;
        }
        address = IpAddress::parse(**field);
        return address.has_value();
    };
    if (!read(v4, change.ipv4, change.clear_ipv4) || !read(v6, change.ipv6, change.clear_ipv6))
        return error(400, "bad_request", "an address does not parse");
    return one_host(c.accounts.set_address(c.account_id, c.params.at(0), change));
}

Response host_history(Call& c) {
    std::size_t limit = 50;
    if (auto text = c.request.query.get("limit")) {
        const auto n = parse_id(*text);
        if (!n) return error(400, "bad_request", "limit is a number");
        limit = static_cast<std::size_t>(*n);
    }
    auto entries = c.accounts.host_history(c.account_id, c.params.at(0), limit);
    if (!entries) return failure(entries.error());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& e : *entries) {
        auto o = object();
        o->set("time", time_value(e.time));
        o->set("client", e.client);
        o->set("user_agent", e.user_agent);
        o->set("protocol", e.protocol);
        o->set("answer", e.answer);
        o->set("detail", e.detail);
        o->set("tls", e.tls);
        o->set("repeats", static_cast<std::int64_t>(e.repeats));
        o->set("first_time", time_value(e.repeats > 1 ? e.first_time : e.time));
        list->add(o);
    }
    auto o = object();
    o->set("history", list);
    return json(200, o);
}

Response derive_host(Call& c) {
    Fields f(c.body);
    DeriveInput input;
    input.from = f.text("from");
    input.interface_id = f.text("interface_id");
    const auto length = f.optional_integer("prefix_length");
    if (auto p = f.problem()) return *p;
    if (length) input.prefix_length = *length;
    return one_host(c.accounts.derive_host(c.account_id, c.params.at(0), input));
}

Response underive_host(Call& c) {
    return one_host(c.accounts.derive_host(c.account_id, c.params.at(0), std::nullopt));
}

Response list_update_tokens(Call& c) {
    auto tokens = c.accounts.update_tokens(c.account_id);
    if (!tokens) return failure(tokens.error());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& t : *tokens) list->add(update_token_object(t));
    auto o = object();
    o->set("tokens", list);
    return json(200, o);
}

Response create_update_token(Call& c) {
    Fields f(c.body);
    const std::string name = f.optional_text("name").value_or("");
    const auto host = f.optional_text("host");
    const std::string purpose = f.optional_text("purpose").value_or("");
    const std::string networks = f.optional_text("networks").value_or("");
    const std::string max_age = f.optional_text("max_age").value_or("");
    const std::string max_unused = f.optional_text("max_unused").value_or("");
    if (auto p = f.problem()) return *p;
    auto token = c.accounts.create_update_token(c.account_id, name, host,
                                                {purpose, networks, max_age, max_unused});
    if (!token) return failure(token.error());
    auto o = object();
    o->set("id", token->id);
    o->set("name", name);
    o->set("host", text_or_null(host));
    o->set("purpose", purpose.empty() ? std::string("update") : purpose);
    // The only time the secret is ever shown.
    o->set("token", std::string(token->secret.expose_view()));
    return json(201, o);
}

Response revoke_update_token(Call& c) {
    const auto id = parse_id(c.params.at(0));
    if (!id) return error(404, "not_found", "no such update token");
    auto done = c.accounts.revoke_update_token(c.account_id, *id);
    if (!done) return failure(done.error());
    return no_content();
}

}  // namespace ddns::gateway::api
