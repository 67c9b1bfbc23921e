#include "ddns/gateway/http/client_address.hpp"

#include <algorithm>
#include <cctype>

#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway {
namespace {

using text::iequals;
using text::trim;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// RFC 7239 node-port: 1*5DIGIT, or an obfuscated "_" 1*(ALPHA / DIGIT / "." / "_" / "-").
bool valid_port(std::string_view port, bool allow_obfuscated) {
    if (port.empty()) return false;
    if (allow_obfuscated && port.front() == '_') {
        return port.size() > 1 && std::all_of(port.begin() + 1, port.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                          c == '_' || c == '-';
               });
    }
    return port.size() <= 5 && std::all_of(port.begin(), port.end(), is_digit);
}

// One hop: "192.0.2.1", "192.0.2.1:80", "[2001:db8::1]", "[2001:db8::1]:4711", and, because
// proxies in the wild send it, a bare unbracketed IPv6 address.
std::optional<IpAddress> parse_node(std::string_view node, bool allow_obfuscated_port) {
    if (node.empty()) return std::nullopt;
    if (node.front() == '[') {
        const auto close = node.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const auto rest = node.substr(close + 1);
        if (!rest.empty() &&
            (rest.front() != ':' || !valid_port(rest.substr(1), allow_obfuscated_port))) {
            return std::nullopt;
        }
        // Brackets hold IPv6 text only; a mapped "[::ffff:192.0.2.1]" parses as IPv4.
        const auto inside = node.substr(1, close - 1);
        if (inside.find(':') == std::string_view::npos) return std::nullopt;
        return IpAddress::parse(inside);
    }
    if (auto address = IpAddress::parse(node)) return address;
    const auto colon = node.find(':');
    if (colon == std::string_view::npos || node.find(':', colon + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    if (!valid_port(node.substr(colon + 1), allow_obfuscated_port)) return std::nullopt;
    auto address = IpAddress::parse(node.substr(0, colon));
    if (!address || !address->is_v4()) return std::nullopt;
    return address;
}

// Splits `text` at `separator` outside quoted strings. Returns false when a quote is unterminated
// (the remainder is then one last, malformed item).
bool split_outside_quotes(std::string_view text, char separator, std::vector<std::string_view>& out,
                          std::vector<bool>& well_formed) {
    bool in_quotes = false;
    bool escaped = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_quotes) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_quotes = false;
            }
        } else if (c == '"') {
            in_quotes = true;
        } else if (c == separator) {
            out.push_back(text.substr(start, i - start));
            well_formed.push_back(true);
            start = i + 1;
        }
    }
    out.push_back(text.substr(start));
    well_formed.push_back(!in_quotes);
    return !in_quotes;
}

// value = token / quoted-string (with quoted-pair escapes).
std::optional<std::string> unquote(std::string_view value) {
    if (value.empty()) return std::nullopt;
    if (value.front() != '"') {
        if (value.find_first_of("\"\\ \t") != std::string_view::npos) return std::nullopt;
        return std::string(value);
    }
    if (value.size() < 2 || value.back() != '"') return std::nullopt;
    std::string out;
    const auto inner = value.substr(1, value.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
        char c = inner[i];
        if (c == '\\') {
            if (++i == inner.size()) return std::nullopt;
            c = inner[i];
        } else if (c == '"') {
            return std::nullopt;
        }
        out.push_back(c);
    }
    return out;
}

// The address named by the single for= pair of one forwarded-element, if usable.
std::optional<IpAddress> forwarded_element_for(std::string_view element) {
    std::vector<std::string_view> pairs;
    std::vector<bool> pairs_ok;
    if (!split_outside_quotes(element, ';', pairs, pairs_ok)) return std::nullopt;
    std::optional<std::string> for_value;
    for (const auto raw_pair : pairs) {
        const auto pair = trim(raw_pair);
        if (pair.empty()) continue;  // "for=x;" and ";;" are harmless
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        if (!iequals(trim(pair.substr(0, eq)), "for")) continue;
        if (for_value) return std::nullopt;  // two for= in one element: ambiguous
        for_value = unquote(trim(pair.substr(eq + 1)));
        if (!for_value) return std::nullopt;
    }
    if (!for_value) return std::nullopt;
    // "unknown" and "_obfuscated" identifiers do not parse as addresses and so stop the walk.
    return parse_node(*for_value, /*allow_obfuscated_port=*/true);
}

// The value of the `name=` pair of one forwarded-element (unquoted), if present and well formed.
std::optional<std::string> forwarded_element_param(std::string_view element,
                                                   std::string_view name) {
    std::vector<std::string_view> pairs;
    std::vector<bool> pairs_ok;
    if (!split_outside_quotes(element, ';', pairs, pairs_ok)) return std::nullopt;
    for (const auto raw_pair : pairs) {
        const auto pair = trim(raw_pair);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || !iequals(trim(pair.substr(0, eq)), name)) continue;
        return unquote(trim(pair.substr(eq + 1)));
    }
    return std::nullopt;
}

// "https" -> true, "http" -> false, anything else -> nullopt.
std::optional<bool> scheme_is_tls(std::string_view scheme) {
    if (iequals(scheme, "https")) return true;
    if (iequals(scheme, "http")) return false;
    return std::nullopt;
}

bool has_content(const std::optional<std::string>& header) {
    return header && !trim(*header).empty();
}

}  // namespace

std::optional<TrustedProxies> TrustedProxies::parse(std::string_view csv_cidrs) {
    std::vector<IpNetwork> networks;
    if (trim(csv_cidrs).empty()) return TrustedProxies{};
    for (const auto item : text::split_list(csv_cidrs)) {
        auto network = IpNetwork::parse(item);  // an empty item ("a,,b") fails here
        if (!network) return std::nullopt;
        networks.push_back(*network);
    }
    return TrustedProxies{std::move(networks)};
}

bool TrustedProxies::contains(const IpAddress& address) const {
    return std::any_of(networks_.begin(), networks_.end(),
                       [&](const IpNetwork& n) { return n.contains(address); });
}

std::vector<std::optional<IpAddress>> parse_forwarded_for(std::string_view header) {
    std::vector<std::string_view> elements;
    std::vector<bool> elements_ok;
    split_outside_quotes(header, ',', elements, elements_ok);
    std::vector<std::optional<IpAddress>> hops;
    hops.reserve(elements.size());
    for (std::size_t i = 0; i < elements.size(); ++i) {
        hops.push_back(elements_ok[i] ? forwarded_element_for(trim(elements[i])) : std::nullopt);
    }
    return hops;
}

std::vector<std::optional<IpAddress>> parse_x_forwarded_for(std::string_view header) {
    std::vector<std::optional<IpAddress>> hops;
    while (true) {
        const auto comma = header.find(',');
        hops.push_back(parse_node(trim(header.substr(0, comma)), /*allow_obfuscated_port=*/false));
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return hops;
}

namespace {

// The hops of the header the configuration says to believe, nearest last; nullopt when the
// request carries none with content.
std::optional<std::vector<std::optional<IpAddress>>> believed_hops(
    const std::optional<std::string>& forwarded, const std::optional<std::string>& x_forwarded_for,
    ProxyHeader header) {
    if (header != ProxyHeader::XForwardedFor && has_content(forwarded))
        return parse_forwarded_for(*forwarded);
    if (header != ProxyHeader::Forwarded && has_content(x_forwarded_for))
        return parse_x_forwarded_for(*x_forwarded_for);
    return std::nullopt;
}

}  // namespace

IpAddress resolve_client_address(const IpAddress& peer, const std::optional<std::string>& forwarded,
                                 const std::optional<std::string>& x_forwarded_for,
                                 const TrustedProxies& trusted, ProxyHeader header) {
    if (!trusted.contains(peer)) return peer;
    const auto hops = believed_hops(forwarded, x_forwarded_for, header);
    if (!hops) return peer;

    IpAddress nearest = peer;  // the last address known to be genuine
    for (auto it = hops->rbegin(); it != hops->rend(); ++it) {
        if (!*it) return nearest;
        if (!trusted.contains(**it)) return **it;
        nearest = **it;
    }
    return nearest;
}

bool forwarding_usable(const IpAddress& peer, const std::optional<std::string>& forwarded,
                       const std::optional<std::string>& x_forwarded_for,
                       const TrustedProxies& trusted, ProxyHeader header) {
    if (!trusted.contains(peer)) return true;
    const auto hops = believed_hops(forwarded, x_forwarded_for, header);
    if (!hops) {
        // No header is the proxy's own request; a header without content names nobody.
        return !(header != ProxyHeader::XForwardedFor && forwarded) &&
               !(header != ProxyHeader::Forwarded && x_forwarded_for);
    }
    for (auto it = hops->rbegin(); it != hops->rend(); ++it) {
        if (!*it) return false;
        if (!trusted.contains(**it)) return true;
    }
    return true;
}

std::optional<bool> forwarded_proto_tls(std::string_view header) {
    std::vector<std::string_view> elements;
    std::vector<bool> elements_ok;
    split_outside_quotes(header, ',', elements, elements_ok);
    for (auto i = elements.size(); i-- > 0;) {
        if (!elements_ok[i]) return std::nullopt;
        if (auto proto = forwarded_element_param(trim(elements[i]), "proto"))
            return scheme_is_tls(*proto);
    }
    return std::nullopt;
}

std::optional<bool> x_forwarded_proto_tls(std::string_view header) {
    const auto comma = header.rfind(',');
    return scheme_is_tls(trim(comma == std::string_view::npos ? header : header.substr(comma + 1)));
}

bool resolve_client_tls(bool connection_tls, const IpAddress& peer,
                        const std::optional<std::string>& forwarded,
                        const std::optional<std::string>& x_forwarded_proto,
                        const TrustedProxies& trusted, ProxyHeader header) {
    if (!trusted.contains(peer)) return connection_tls;
    std::optional<bool> reported;
    // The header that names the client also names its scheme (Auto: Forwarded when present).
    if (header != ProxyHeader::XForwardedFor && has_content(forwarded))
        reported = forwarded_proto_tls(*forwarded);
    else if (header != ProxyHeader::Forwarded && has_content(x_forwarded_proto))
        reported = x_forwarded_proto_tls(*x_forwarded_proto);
    return reported.value_or(connection_tls);
}

}  // namespace ddns::gateway
