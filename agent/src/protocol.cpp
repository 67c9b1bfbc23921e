// The URLs of each protocol, as this gateway's dialects (docs: README "Point a router or client
// at it") accept them.
#include "protocol.hpp"

#include <array>

namespace ddns::agent {
namespace {

constexpr std::string_view kVersion = "ddns-agent-0.1";

std::string q(std::string_view name, std::string_view value) {
    return std::string(name) + "=" + url_encode(value);
}

std::vector<RequestStep> dyndns2(const ProtocolInput& in) {
    std::string url = in.config.server + "/nic/update?" + q("hostname", in.host);
    std::string myip;
    if (in.v4) myip = in.v4->to_string();
    if (in.v6) myip += (myip.empty() ? "" : ",") + in.v6->to_string();
    // No myip at all: the gateway takes the address it sees ("auto").
    if (!myip.empty()) url += "&" + q("myip", myip);
    return {{{url, true}, false}};
}

std::vector<RequestStep> dynamic(const ProtocolInput& in) {
    const std::string base = in.config.server + "/dynamic?" + q("host", in.host);
    std::vector<RequestStep> out;
    if (in.v4) out.push_back({{base + "&" + q("ip", in.v4->to_string()), true}, false});
    if (in.v6) out.push_back({{base + "&" + q("ip", in.v6->to_string()), true}, false});
    if (in.v4_auto || in.v6_auto) out.push_back({{base, true}, false});
    return out;
}

std::vector<RequestStep> dynamip(const ProtocolInput& in) {
    const std::string base = in.config.server + "/Login/updateip.asp?" + q("SiteID", in.host) +
                             "&" + q("Password", in.config.password) + "&" +
                             q("ProgVer", kVersion) + "&IPAddr=";
    std::vector<RequestStep> out;
    if (in.v4) out.push_back({{base + url_encode(in.v4->to_string()), false}, false});
    if (in.v6) out.push_back({{base + url_encode(in.v6->to_string()), false}, false});
    if (in.v4_auto || in.v6_auto) out.push_back({{base + "AUTO", false}, false});
    return out;
}

std::vector<RequestStep> myserver(const ProtocolInput& in) {
    const std::string base = in.config.server + "/dnslogin3.asp?" + q("Usr", in.config.username) +
                             "&" + q("Pwd", in.config.password) + "&" + q("Host", in.host) +
                             "&Type=A";
    std::vector<RequestStep> out;
    if (in.previous_v4 && in.v4 && *in.previous_v4 != *in.v4) {
        out.push_back(
            {{base + "&FXN=Delete&" + q("IP", in.previous_v4->to_string()), false}, true});
    }
    if (in.v4) out.push_back({{base + "&FXN=Add&" + q("IP", in.v4->to_string()), false}, false});
    if (in.v4_auto) out.push_back({{base + "&FXN=Add", false}, false});
    return out;
}

}  // namespace

std::string url_encode(std::string_view text) {
    static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                  '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0x0f];
        }
    }
    return out;
}

std::vector<RequestStep> build_requests(const ProtocolInput& input) {
    switch (input.config.protocol) {
        case Protocol::Dyndns2:
            return dyndns2(input);
        case Protocol::Dynamic:
            return dynamic(input);
        case Protocol::Dynamip:
            return dynamip(input);
        case Protocol::Myserver:
            return myserver(input);
    }
    return {};
}

}  // namespace ddns::agent
