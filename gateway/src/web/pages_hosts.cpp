// The overview (account, hosts and their state), adding a host, one host's page (history,
// address by hand, heartbeat, removal).
#include <charconv>

#include "page_kit.hpp"

namespace ddns::gateway::web::pages {
namespace {

std::string heartbeat_text(const auth::UserHost& h) {
    const auto zone_text = [&h] {
        return h.zone_heartbeat ? format_seconds(*h.zone_heartbeat) + " (the zone's)"
                                : std::string("none");
    };
    if (!h.heartbeat_setting) return zone_text();
    if (h.heartbeat_setting->count() == 0) return "none";
    return format_seconds(*h.heartbeat_setting);
}

// Online or offline, and why.
void state_of(const auth::UserHost& h, TemplateData& data) {
    std::string state = "online";
    std::string why;
    if (h.blocked) {
        state = "offline";
        why = "blocked by the operator";
    } else if (h.offline_since) {
        state = "offline";
        const auto reason = h.offline_reason.value_or(auth::OfflineReason::Request);
        why = reason == auth::OfflineReason::Heartbeat ? "no heartbeat in time"
              : reason == auth::OfflineReason::Expired ? "the account expired"
                                                       : "taken offline on request";
        why += " since " + format_time(h.offline_since);
    } else if (!h.ipv4 && !h.ipv6) {
        state = "no address";
        why = "no update received yet";
    }
    data.set("state", state);
    data.set("state_class", state == "online" ? "state-online" : "state-offline");
    if (!why.empty()) data.set("why", why);  // an empty text would still open {{#why}}
}

// The whole A set: ipv4, then a MyServer round robin's further addresses.
std::string ipv4_text(const auth::UserHost& h) {
    if (!h.ipv4) return "-";
    std::string text = h.ipv4->to_string();
    for (const auto& a : h.extra_ipv4) text += ", " + a.to_string();
    if (!h.extra_ipv4.empty()) text += " (round robin)";
    return text;
}

TemplateData host_data(const auth::UserHost& h) {
    TemplateData d;
    d.set("name", h.name.str());
    d.set("zone", h.zone.str());
    d.set("ipv4", ipv4_text(h));
    d.set("ipv6", h.ipv6 ? h.ipv6->to_string() : "-");
    d.set("last_seen", format_time(h.last_seen));
    d.set("updated_at", format_time(h.updated_at));
    d.set("heartbeat", heartbeat_text(h));
    d.set("heartbeat_own", h.heartbeat_setting ? std::to_string(h.heartbeat_setting->count()) : "");
    d.set("client_faults", std::to_string(h.client_faults));
    d.set("server_faults", std::to_string(h.server_faults));
    d.set("auth_faults", std::to_string(h.auth_faults));
    if (h.last_fault) {
        d.set("last_fault", *h.last_fault);
        d.set("last_fault_at", format_time(h.last_fault_at));
    }
    state_of(h, d);
    d.set("ipv6_prefix", h.ipv6_prefix ? h.ipv6_prefix->to_string() : "-");
    if (h.derived_from) {
        d.set("derived_from", h.derived_from->str());
        d.set("interface_id", h.interface_id ? h.interface_id->to_string() : "-");
        d.set("prefix_length", std::to_string(h.prefix_length));
    }
    auto derived = TemplateData::list();
    for (const auto& n : h.derived_hosts) derived.push(TemplateData{}.set("derived_name", n.str()));
    d.set("has_derived_hosts", !derived.empty_list());
    d.set("derived_hosts", derived);
    return d;
}

// The derive form of `h`: the hosts it may follow (the account's hosts of its zone that follow
// none themselves; the rule is the account layer's, this only spares the user a refusal), and
// the values it shows. A host others follow cannot follow one itself: no form then.
void derive_form(PageKit& kit, const Page& page, const auth::UserHost& h, TemplateData& d) {
    auto routers = TemplateData::list();
    if (auto hosts = kit.d.accounts.hosts(page.account_id()))
        for (const auto& r : *hosts)
            if (r.id != h.id && r.zone == h.zone && !r.derived_from)
                routers.push(TemplateData{}
                                 .set("router", r.name.str())
                                 .set("selected", h.derived_from == r.name));
    d.set("can_derive", h.derived_hosts.empty() && !routers.empty_list());
    d.set("routers", routers);
    d.set("form_interface_id", h.interface_id ? h.interface_id->to_string() : "");
    d.set("form_prefix_length", h.derived_from ? std::to_string(h.prefix_length) : "64");
}

TemplateData overview_data(PageKit& kit, const Page& page) {
    TemplateData data = kit.frame(page, "Your names");
    const auto& account = page.user->account;
    data.set("username", account.username);
    data.set("email", account.email);
    data.set("expires", format_time(account.expires_at, "never"));
    data.set("dynamic_updates", account.dynamic_updates);
    auto zones = TemplateData::list();
    for (const auto& z : kit.d.accounts.public_zones())
        zones.push(TemplateData{}.set("zone", z.name.str()));
    data.set("has_zones", !zones.empty_list());
    data.set("zones", zones);
    auto list = TemplateData::list();
    if (auto hosts = kit.d.accounts.hosts(page.account_id()))
        for (const auto& h : *hosts) list.push(host_data(h));
    data.set("has_hosts", !list.empty_list());
    data.set("hosts", list);
    auto owned = TemplateData::list();
    if (account.plan == auth::Plan::Domain)
        if (auto mine = kit.d.accounts.owned_zones(page.account_id()))
            for (const auto& z : *mine) owned.push(TemplateData{}.set("zone", z.name.str()));
    data.set("has_owned_zones", !owned.empty_list());
    data.set("owned_zones", owned);
    return data;
}

// The name the add form asks for: a label and one of the open zones, or a whole name.
std::string requested_name(const Page& page) {
    const std::string label = page.field("label");
    const std::string zone = page.field("zone");
    if (!label.empty() && !zone.empty()) return label + "." + zone;
    return page.field("name");
}

// Loads the host of ?name= / the form's name; the failure page when it is not the account's.
AccountResult<auth::UserHost> named_host(PageKit& kit, const Page& page) {
    std::string name = page.field("name");
    if (name.empty()) name = page.query("name");
    return kit.d.accounts.host(page.account_id(), name);
}

Response host_page(PageKit& kit, Page& page, const auth::UserHost& h, int status,
                   const std::optional<AccountFailure>& failure) {
    TemplateData data = kit.frame(page, h.name.str());
    TemplateData host = host_data(h);
    derive_form(kit, page, h, host);
    data.set("host", host);
    auto history = TemplateData::list();
    if (auto entries = kit.d.accounts.host_history(page.account_id(), h.name.str(), 50)) {
        for (const auto& e : *entries) {
            history.push(TemplateData{}
                             .set("time", format_time(e.time))
                             .set("client", e.client)
                             .set("software", e.user_agent)
                             .set("protocol", e.protocol + (e.tls ? " (TLS)" : ""))
                             .set("answer", e.answer)
                             .set("detail", e.detail)
                             .set("repeated", e.repeats > 1)
                             .set("repeats", std::to_string(e.repeats))
                             .set("first_time", format_time(e.first_time)));
        }
    }
    data.set("has_history", !history.empty_list());
    data.set("history", history);
    if (failure) return kit.refused(page, *failure, "page/host.html", data);
    return kit.render(page, status, "page/host.html", data);
}

Response not_found(PageKit& kit, Page& page) {
    return kit.message(page, 404, "Not found", "Your account has no such host.", "/",
                       "Back to the overview");
}

}  // namespace

Response overview(PageKit& kit, Page& page) {
    return kit.render(page, 200, "page/overview.html", overview_data(kit, page));
}

Response add_host(PageKit& kit, Page& page) {
    const std::string name = requested_name(page);
    TemplateData data = overview_data(kit, page);
    data.set("new_name", name);
    if (!page.field("check").empty()) {
        const auto free = kit.d.accounts.check_host_name(page.account_id(), name);
        if (!free) return kit.refused(page, free.error(), "page/overview.html", data);
        data.set("notice", name + " is available.");
        return kit.render(page, 200, "page/overview.html", data);
    }
    const auto added = kit.d.accounts.add_host(page.account_id(), name);
    if (!added) return kit.refused(page, added.error(), "page/overview.html", data);
    return kit.see_other(page, "/host?name=" + added->name.str() + "&done=host_added");
}

Response host(PageKit& kit, Page& page) {
    const auto h = named_host(kit, page);
    if (!h) return not_found(kit, page);
    return host_page(kit, page, *h, 200, std::nullopt);
}

Response host_address(PageKit& kit, Page& page) {
    const auto h = named_host(kit, page);
    if (!h) return not_found(kit, page);
    AddressChange change;
    const auto parse = [&](std::string_view field, IpFamily family,
                           std::optional<IpAddress>& out) -> bool {
        const std::string text = page.field(field);
        if (text.empty()) return true;
        const auto a = IpAddress::parse(text);
        if (!a || a->family() != family) return false;
        out = *a;
        return true;
    };
    change.clear_ipv4 = !page.field("clear_ipv4").empty();
    change.clear_ipv6 = !page.field("clear_ipv6").empty();
    if (!parse("ipv4", IpFamily::V4, change.ipv4) || !parse("ipv6", IpFamily::V6, change.ipv6))
        return host_page(kit, page, *h, 400,
                         AccountFailure{AccountError::BadInput,
                                        "enter an IPv4 address in the first field and an IPv6 "
                                        "address in the second",
                                        {}});
    const auto done = kit.d.accounts.set_address(page.account_id(), h->name.str(), change);
    if (!done) return host_page(kit, page, *h, 400, done.error());
    return kit.see_other(page, "/host?name=" + h->name.str() + "&done=address_set");
}

Response host_settings(PageKit& kit, Page& page) {
    const auto h = named_host(kit, page);
    if (!h) return not_found(kit, page);
    HostSettings settings;
    const std::string mode = page.field("heartbeat_mode");  // zone, none, own
    if (mode == "zone") {
        settings.heartbeat = std::optional<std::chrono::seconds>{};
    } else if (mode == "none") {
        settings.heartbeat = std::optional<std::chrono::seconds>{std::chrono::seconds(0)};
    } else {
        const std::string text = page.field("heartbeat");
        long long secs = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
        if (ec != std::errc{} || end != text.data() + text.size() || secs < 0)
            return host_page(
                kit, page, *h, 400,
                AccountFailure{AccountError::BadInput, "the heartbeat is a number of seconds", {}});
        settings.heartbeat = std::optional<std::chrono::seconds>{std::chrono::seconds(secs)};
    }
    const auto done = kit.d.accounts.configure_host(page.account_id(), h->name.str(), settings);
    if (!done) return host_page(kit, page, *h, 400, done.error());
    return kit.see_other(page, "/host?name=" + h->name.str() + "&done=host_saved");
}

Response host_derive(PageKit& kit, Page& page) {
    const auto h = named_host(kit, page);
    if (!h) return not_found(kit, page);
    std::optional<DeriveInput> input;
    if (page.field("ordinary").empty()) {
        const std::string length = page.field("prefix_length");
        long long bits = -1;
        const auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), bits);
        if (ec != std::errc{} || end != length.data() + length.size())
            return host_page(
                kit, page, *h, 400,
                AccountFailure{AccountError::BadInput, "the prefix length is 16 to 64", {}});
        input = DeriveInput{page.field("from"), page.field("interface_id"), bits};
    }
    const auto done = kit.d.accounts.derive_host(page.account_id(), h->name.str(), input);
    if (!done) return host_page(kit, page, *h, 400, done.error());
    return kit.see_other(page, "/host?name=" + h->name.str() +
                                   (input ? "&done=host_derived" : "&done=host_ordinary"));
}

Response remove_host(PageKit& kit, Page& page) {
    const auto h = named_host(kit, page);
    if (!h) return not_found(kit, page);
    if (page.field("confirm").empty())
        return host_page(
            kit, page, *h, 400,
            AccountFailure{AccountError::BadInput, "tick the box to confirm the removal", {}});
    const auto done = kit.d.accounts.remove_host(page.account_id(), h->name.str());
    if (!done) return host_page(kit, page, *h, 400, done.error());
    return kit.see_other(page, "/?done=host_removed");
}

}  // namespace ddns::gateway::web::pages
