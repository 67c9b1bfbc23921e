// Router and client settings for one host, with the host, the user and this server filled in.
// The secret is a placeholder: the user pastes a token from the tokens page (a help page never
// makes one).
#include <algorithm>

#include "page_kit.hpp"

namespace ddns::gateway::web::pages {
namespace {

struct Place {
    std::string scheme;  // "https" or "http"
    std::string server;  // host[:port] as the browser reached us
    std::string host;    // the user's host name
    std::string user;    // the account name
};

// The server name routers are told: the Host header when it looks like one, else a placeholder.
std::string server_of(const RequestView& request) {
    const std::string host = request.header("Host").value_or("");
    const bool plausible =
        !host.empty() && host.size() < 256 && std::all_of(host.begin(), host.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                   c == ':' || c == '[' || c == ']';
        });
    return plausible ? host : "YOUR-GATEWAY";
}

constexpr std::string_view kToken = "<YOUR-UPDATE-TOKEN>";

struct Client {
    std::string id;
    std::string title;
    std::string intro;
    std::string text;
};

std::vector<Client> clients(const Place& p) {
    const std::string base = p.scheme + "://" + p.server;
    const std::string t(kToken);
    const std::string server_no_port =
        p.server.substr(0, p.server.rfind(':') == std::string::npos || p.server.back() == ']'
                               ? p.server.size()
                               : p.server.rfind(':'));
    return {
        {"fritzbox", "FRITZ!Box",
         "Internet > Permit Access > DynDNS: tick \"Use DynDNS\", provider \"User-defined\".",
         "Update URL:   " + base +
             "/nic/update?hostname=<domain>&myip=<ipaddr>,<ip6addr>\n"
             "Domain name:  " +
             p.host + "\nUsername:     " + p.user + "\nPassword:     " + t},
        {"openwrt", "OpenWrt (luci-app-ddns / ddns-scripts)",
         "Services > Dynamic DNS: add a service with a custom update URL, or in "
         "/etc/config/ddns:",
         "config service 'gateway'\n"
         "\toption enabled '1'\n\toption lookup_host '" +
             p.host +
             "'\n"
             "\toption domain '" +
             p.host + "'\n\toption username '" + p.user +
             "'\n"
             "\toption password '" +
             t +
             "'\n"
             "\toption update_url '" +
             base +
             "/nic/update?hostname=[DOMAIN]&myip=[IP]'\n"
             "\toption use_https '" +
             (p.scheme == "https" ? "1" : "0") +
             "'\n"
             "\toption ip_source 'network'\n\toption ip_network 'wan'"},
        {"pfsense", "pfSense / OPNsense",
         "Services > Dynamic DNS > Add: service type \"Custom\" (pfSense) or the dyndns2 "
         "protocol with a custom server (OPNsense os-ddclient).",
         "Update URL:   " + base + "/nic/update?hostname=" + p.host +
             "&myip=%IP%\n"
             "Username:     " +
             p.user + "\nPassword:     " + t +
             "\n"
             "Result match: good|nochg\n\n"
             "OPNsense (os-ddclient): Service dyndns2, Server " +
             p.server + ", Username " + p.user + ", Password " + t + ", Hostname " + p.host},
        {"unifi", "UniFi (Network application)",
         "Settings > Internet > your WAN > Dynamic DNS > Create New: service \"dyndns\".",
         "Service:   dyndns\nHostname:  " + p.host + "\nUsername:  " + p.user +
             "\nPassword:  " + t + "\nServer:    " + p.server + "/nic/update?hostname=%h&myip=%i"},
        {"ddclient", "ddclient (/etc/ddclient.conf)", "",
         "protocol=dyndns2\nuse=web, web=" + base +
             "/checkip\n"
             "server=" +
             p.server + "\nssl=" + (p.scheme == "https" ? "yes" : "no") +
             "\n"
             "login=" +
             p.user + "\npassword='" + t + "'\n" + p.host},
        {"inadyn", "inadyn (/etc/inadyn.conf)", "",
         "custom gateway {\n    ssl            = " +
             std::string(p.scheme == "https" ? "true" : "false") + "\n    username       = " +
             p.user + "\n    password       = " + t + "\n    checkip-server = " + p.server +
             "\n    checkip-path   = /myip\n"
             "    ddns-server    = " +
             p.server +
             "\n    ddns-path      = \"/nic/update?hostname=%h&myip=%i\"\n"
             "    hostname       = " +
             p.host + "\n}"},
        {"curl", "curl and cron",
         "Every five minutes from crontab -e (the gateway takes the address the request comes "
         "from when myip is left out):",
         "*/5 * * * * curl -fsS -u '" + p.user + ":" + t + "' '" + base +
             "/nic/update?hostname=" + p.host + "' >/dev/null"},
        {"dynamip", "DynamIP-style heartbeat client",
         "Point the client at this server; it sends a heartbeat every 15 minutes.",
         "Server:    " + base + "\nSite ID:   " + p.host + "\nPassword:  " + t +
             "\n\n"
             "The request it sends:\n" +
             base + "/Login/updateip.asp?SiteID=" + p.host + "&Password=" + t +
             "&IPAddr=AUTO&ProgVer=1"},
        {"fxn", "Legacy FXN desktop client (MyServer-style)",
         "Enter this server as the update server (host name only) and your account:",
         "Server:    " + server_no_port + "\nUser:      " + p.user + "\nPassword:  " + t +
             "\nHost:      " + p.host + "\n\nThe request it sends:\n" + base +
             "/dnslogin3.asp?FXN=Add&Usr=" + p.user + "&Pwd=" + t + "&Host=" + p.host +
             "&Type=A&IP=<address>"},
        {"agent", "ddns-agent (this project's client)",
         "Put this in /etc/ddns-agent/ddns-agent.conf and run ddns-agent --config on it:",
         "server = " + base + "\n" + (p.scheme == "https" ? "" : "insecure_http = yes\n") +
             "protocol = dyndns2\nusername = " + p.user + "\npassword = " + t +
             "\nhostname = " + p.host +
             "\nipv4 = web\nipv6 = off\ninterval = 5m\n"
             "state_file = /var/lib/ddns-agent/state"},
    };
}

}  // namespace

Response host_help(PageKit& kit, Page& page) {
    const auto h = kit.d.accounts.host(page.account_id(), page.query("name"));
    if (!h)
        return kit.message(page, 404, "Not found", "Your account has no such host.", "/",
                           "Back to the overview");
    const Place place{page.request.tls ? "https" : "http", server_of(page.request), h->name.str(),
                      page.user->account.username};
    TemplateData data = kit.frame(page, "Settings for " + place.host);
    data.set("name", place.host);
    data.set("server", place.scheme + "://" + place.server);
    auto list = TemplateData::list();
    for (auto& c : clients(place)) {
        TemplateData item;
        item.set("id", c.id).set("title", c.title).set("text", c.text);
        if (!c.intro.empty()) item.set("intro", c.intro);
        list.push(std::move(item));
    }
    data.set("clients", list);
    return kit.render(page, 200, "page/help.html", data);
}

}  // namespace ddns::gateway::web::pages
