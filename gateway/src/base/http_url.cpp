#include "ddns/gateway/base/http_url.hpp"

#include <cctype>

#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/ip_address.hpp"

namespace ddns::gateway {
namespace {

constexpr std::size_t kMaxUrl = 2000;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

Expected<HttpUrl, std::string> parse_http_url(std::string_view url) {
    if (url.size() > kMaxUrl)
        return Unexpected<std::string>{"the URL is longer than 2000 characters"};
    for (const char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return Unexpected<std::string>{
                "the URL holds a space, a control or a non-ASCII character"};
    HttpUrl out;
    const std::string scheme = lower(url.substr(0, url.find("://")));
    if (url.find("://") == std::string_view::npos || (scheme != "http" && scheme != "https"))
        return Unexpected<std::string>{"the URL must start with http:// or https://"};
    out.https = scheme == "https";
    std::string_view rest = url.substr(scheme.size() + 3);
    if (rest.find('#') != std::string_view::npos)
        return Unexpected<std::string>{"the URL has a fragment"};
    const auto slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    if (slash == std::string_view::npos)
        out.target = "/";
    else
        out.target = (rest[slash] == '?' ? "/" : "") + std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos)
        return Unexpected<std::string>{"the URL must not carry a user name or password"};
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            return Unexpected<std::string>{"the URL's IPv6 host lacks ']'"};
        out.host = lower(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':')
            return Unexpected<std::string>{"the URL's host is invalid"};
        if (!after.empty()) port_text = after.substr(1);
        const auto a = IpAddress::parse(out.host);
        if (!a || !a->is_v6()) return Unexpected<std::string>{"the URL's IPv6 host is invalid"};
        out.host_is_address = true;
    } else {
        const auto colon = authority.find(':');
        out.host = lower(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
        if (const auto a = IpAddress::parse(out.host); a && a->is_v4())
            out.host_is_address = true;
        else if (out.host.empty() || !DnsName::parse(out.host) ||
                 out.host.find('.') == std::string::npos)
            return Unexpected<std::string>{"the URL's host is not a host name or address"};
    }
    out.port = out.https ? 443 : 80;
    if (authority.back() == ':') return Unexpected<std::string>{"the URL's port is empty"};
    if (!port_text.empty()) {
        unsigned value = 0;
        for (const char c : port_text) {
            if (!std::isdigit(static_cast<unsigned char>(c)) || value > 65535)
                return Unexpected<std::string>{"the URL's port is not a number 1-65535"};
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (value == 0 || value > 65535)
            return Unexpected<std::string>{"the URL's port is not 1-65535"};
        out.port = static_cast<std::uint16_t>(value);
    }
    return out;
}

}  // namespace ddns::gateway
