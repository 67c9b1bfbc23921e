// The records of the zones a domain account owns: the list of its zones, one zone's records,
// adding one and removing one. The rules and their words are the account layer's (admin
// record's); a free account, or a zone the account does not own, is "not found".
#include <charconv>

#include "page_kit.hpp"

namespace ddns::gateway::web::pages {
namespace {

constexpr std::string_view kTypes[] = {"A", "AAAA", "CNAME", "MX", "NS", "TXT"};

bool domain_account(const Page& page) {
    return page.user && page.user->account.plan == auth::Plan::Domain;
}

Response not_found(PageKit& kit, Page& page) {
    return kit.message(page, 404, "Not found", "Your account has no such zone.", "/",
                       "Back to the overview");
}

// The owned zone the request names (field or query "zone"), or nullopt.
std::optional<auth::Zone> named_zone(PageKit& kit, const Page& page, const std::string& text) {
    if (!domain_account(page)) return std::nullopt;
    auto zones = kit.d.accounts.owned_zones(page.account_id());
    if (!zones) return std::nullopt;
    const auto name = DnsName::parse(text);
    if (!name) return std::nullopt;
    for (auto& z : *zones)
        if (z.name == *name) return std::move(z);
    return std::nullopt;
}

// The data as the add and remove forms take it: TXT as its text, the rest in presentation form.
std::string form_data(const ResourceRecord& r) {
    if (const auto* txt = std::get_if<TxtData>(&r.data())) {
        std::string text;
        for (const auto& s : txt->strings) text += s;
        return text;
    }
    return r.data_text();
}

// The typed values of a refused add form, so the user corrects them instead of retyping.
struct Typed {
    std::string name, type, preference, data, ttl;
};

TemplateData zone_data(PageKit& kit, const Page& page, const auth::Zone& zone, const Typed& typed) {
    TemplateData data = kit.frame(page, "Records of " + zone.name.str());
    data.set("zone", zone.name.str());
    data.set("default_ttl", std::to_string(zone.default_ttl));
    auto list = TemplateData::list();
    if (auto records = kit.d.accounts.records(page.account_id(), zone.name.str()))
        for (const auto& r : *records)
            list.push(TemplateData{}
                          .set("name", r.owner().str())
                          .set("type", std::string(to_string(r.type())))
                          .set("ttl", std::to_string(r.ttl()))
                          .set("shown", r.data_text())
                          .set("data", form_data(r)));
    data.set("has_records", !list.empty_list());
    data.set("records", list);
    auto types = TemplateData::list();
    for (const auto t : kTypes)
        types.push(TemplateData{}.set("type", std::string(t)).set("selected", typed.type == t));
    data.set("types", types);
    data.set("new_name", typed.name);
    data.set("new_preference", typed.preference);
    data.set("new_data", typed.data);
    data.set("new_ttl", typed.ttl);
    return data;
}

Response zone_page(PageKit& kit, Page& page, const auth::Zone& zone, const Typed& typed,
                   const std::optional<AccountFailure>& failure) {
    TemplateData data = zone_data(kit, page, zone, typed);
    if (failure) return kit.refused(page, *failure, "page/records.html", data);
    return kit.render(page, 200, "page/records.html", data);
}

// A name as typed: taken as it is when it lies at or below the zone or ends with a dot (the
// account layer then judges it), else as a label in the zone.
std::string full_name(const std::string& typed, const auth::Zone& zone) {
    const auto name = DnsName::parse(typed);
    if (typed.empty() || typed.back() == '.' || (name && name->is_at_or_below(zone.name)))
        return typed;
    return typed + "." + zone.name.str();
}

std::optional<std::uint32_t> ttl_of(const std::string& text, bool& bad) {
    bad = false;
    if (text.empty()) return std::nullopt;
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    bad = ec != std::errc{} || end != text.data() + text.size() || value > 2147483647U;
    return value;
}

}  // namespace

Response records(PageKit& kit, Page& page) {
    if (!domain_account(page)) return not_found(kit, page);
    const std::string wanted = page.query("zone");
    if (!wanted.empty()) {
        const auto zone = named_zone(kit, page, wanted);
        if (!zone) return not_found(kit, page);
        return zone_page(kit, page, *zone, Typed{{}, "A", {}, {}, {}}, std::nullopt);
    }
    TemplateData data = kit.frame(page, "Records");
    auto list = TemplateData::list();
    if (auto zones = kit.d.accounts.owned_zones(page.account_id()))
        for (const auto& z : *zones) list.push(TemplateData{}.set("zone", z.name.str()));
    data.set("has_zones", !list.empty_list());
    data.set("zones", list);
    return kit.render(page, 200, "page/zones.html", data);
}

Response add_record(PageKit& kit, Page& page) {
    const auto zone = named_zone(kit, page, page.field("zone"));
    if (!zone) return not_found(kit, page);
    const Typed typed{page.field("name"), page.field("type"), page.field("preference"),
                      page.field("data"), page.field("ttl")};
    RecordInput input{full_name(typed.name, *zone), typed.type, typed.data, std::nullopt};
    if (typed.type == "MX" && !typed.preference.empty())
        input.data = typed.preference + " " + typed.data;
    bool bad_ttl = false;
    input.ttl = ttl_of(typed.ttl, bad_ttl);
    if (bad_ttl)
        return zone_page(
            kit, page, *zone, typed,
            AccountFailure{
                AccountError::BadInput, "the TTL is a number of seconds (0 to 2147483647)", {}});
    const auto done = kit.d.accounts.add_record(page.account_id(), input);
    if (!done) return zone_page(kit, page, *zone, typed, done.error());
    return kit.see_other(page, "/records?zone=" + zone->name.str() + "&done=record_added");
}

Response remove_record(PageKit& kit, Page& page) {
    const auto zone = named_zone(kit, page, page.field("zone"));
    if (!zone) return not_found(kit, page);
    const RecordInput input{full_name(page.field("name"), *zone), page.field("type"),
                            page.field("data"), std::nullopt};
    const auto done = kit.d.accounts.remove_record(page.account_id(), input);
    if (!done) return zone_page(kit, page, *zone, Typed{{}, "A", {}, {}, {}}, done.error());
    return kit.see_other(page, "/records?zone=" + zone->name.str() + "&done=record_removed");
}

}  // namespace ddns::gateway::web::pages
