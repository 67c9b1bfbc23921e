#include "ddns/gateway/dialects/dialect_routes.hpp"

#include "ddns/gateway/dialects/checkip_dialect.hpp"

namespace ddns::gateway {
namespace {

// The update dialects serve GET and POST (POST reads its form like a query) and answer any other
// method in their own words: their clients read nothing else (protocols.md §0).
template <class Dialect>
Route update_route(std::string name, std::vector<std::string> paths, Dialect& dialect) {
    return Route{std::move(name),
                 std::move(paths),
                 kGetPost,
                 [&dialect](const RequestView& r) { return dialect.handle(r); },
                 [&dialect](const RequestView& r) { return dialect.refuse_method(r); },
                 {}};
}

Route checkip_route(std::string path, CheckIpStyle style) {
    return Route{
        "checkip", {std::move(path)},
        kGet,      [style](const RequestView& r) { return render_checkip(style, r.client); },
        {},        {}};
}

// acme-dns shares /update with dyndns2 (protocols.md §10): its row comes first and takes only
// a POST carrying X-Api-User, which no dyndns2 client sends.
void add_acme_routes(RouteTable& table, AcmeDialect& acme) {
    table.add(Route{"acme-dns",
                    {"/update"},
                    {"POST"},
                    [&acme](const RequestView& r) { return acme.acme_dns_update(r); },
                    {},
                    is_acme_dns_request});
    table.add(Route{"httpreq",
                    {"/present"},
                    {"POST"},
                    [&acme](const RequestView& r) { return acme.present(r); },
                    {},
                    {}});
    table.add(Route{"httpreq",
                    {"/cleanup"},
                    {"POST"},
                    [&acme](const RequestView& r) { return acme.cleanup(r); },
                    {},
                    {}});
}

}  // namespace

void add_dialect_routes(RouteTable& table, Dialects d) {
    if (d.acme) add_acme_routes(table, *d.acme);
    table.add(update_route("dyndns2", {"/nic/update", "/v3/update", "/update", "/nic/delete"},
                           d.dyndns2));
    table.add(update_route("dynamip", {"/Login/updateip.asp"}, d.dynamip));
    table.add(update_route("dynamic", {"/dynamic"}, d.dynamic));
    table.add(
        update_route("myserver", {"/dnslogin3.asp", "/autoupdate/dnslogin3.asp"}, d.myserver));
    table.add(checkip_route("/checkip", CheckIpStyle::Html));
    table.add(checkip_route("/myip", CheckIpStyle::Plain));
    table.add(checkip_route("/ip", CheckIpStyle::Xml));
    // dyndns2's no-change answer is the one answered on the connection loop (a cached
    // credential, no change, the last_seen note in memory); the check-IP pages never wait.
    table.answer_inline("dyndns2");
    table.answer_inline("checkip");
}

}  // namespace ddns::gateway
