// The address sources: interface (getifaddrs, /proc/net/if_inet6), file, command, web.
#include "ddns/agent/address.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

namespace ddns::agent {
namespace {

bool in(const IpAddress& a, std::string_view network) {
    const auto n = IpNetwork::parse(network);
    return n && n->contains(a);
}

std::optional<IpAddress> interface_v4(const std::string& name) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return std::nullopt;
    const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> guard(list, &freeifaddrs);
    std::optional<IpAddress> best;
    for (const ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
        if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET || name != it->ifa_name) {
            continue;
        }
        sockaddr_in sin{};
        std::copy_n(reinterpret_cast<const char*>(it->ifa_addr), sizeof sin,  // NOLINT
                    reinterpret_cast<char*>(&sin));                           // NOLINT
        std::array<std::uint8_t, 4> bytes{};
        std::copy_n(reinterpret_cast<const std::uint8_t*>(&sin.sin_addr), 4,  // NOLINT
                    bytes.begin());
        const IpAddress a = IpAddress::v4(bytes);
        // A public address wins over a private one on the same interface.
        if (!best || (is_public(a) && !is_public(*best))) best = a;
    }
    return best;
}

std::optional<std::string> read_first_line(const std::string& path) {
    std::ifstream file(path);
    if (!file) return std::nullopt;
    std::string line;
    std::getline(file, line);
    return line;
}

std::optional<std::string> run_command(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), &pclose);
    if (!pipe) return std::nullopt;
    std::string out;
    std::array<char, 256> buffer{};
    while (out.size() < 4096 && std::fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) {
        out += buffer.data();
    }
    const int status = pclose(pipe.release());
    if (status != 0) return std::nullopt;
    return out;
}

std::string family_name(IpFamily f) {
    return f == IpFamily::V4 ? "IPv4" : "IPv6";
}

}  // namespace

std::vector<Ipv6Candidate> parse_if_inet6(std::string_view text, std::string_view interface) {
    std::vector<Ipv6Candidate> out;
    std::istringstream lines{std::string(text)};
    std::string hex, index, prefix, scope, flags, name;
    while (lines >> hex >> index >> prefix >> scope >> flags >> name) {
        if (name != interface || hex.size() != 32) continue;
        std::array<std::uint8_t, 16> bytes{};
        bool ok = true;
        for (std::size_t i = 0; i < 16 && ok; ++i) {
            unsigned value = 0;
            ok = std::sscanf(hex.c_str() + 2 * i, "%2x", &value) == 1;
            bytes[i] = static_cast<std::uint8_t>(value);
        }
        if (!ok) continue;
        out.push_back({IpAddress::v6(bytes), static_cast<unsigned>(std::stoul(scope, nullptr, 16)),
                       static_cast<unsigned>(std::stoul(flags, nullptr, 16))});
    }
    return out;
}

std::optional<IpAddress> choose_ipv6(const std::vector<Ipv6Candidate>& candidates) {
    const Ipv6Candidate* best = nullptr;
    auto rank = [](const Ipv6Candidate& c) {
        return ((c.flags & kIfaDeprecated) ? 0 : 2) + ((c.flags & kIfaTemporary) ? 0 : 1);
    };
    for (const auto& c : candidates) {
        if (c.scope != 0 || (c.flags & (kIfaTentative | kIfaDadFailed)) != 0) continue;
        if (in(c.address, "fe80::/10") || in(c.address, "fc00::/7")) continue;
        if (best == nullptr || rank(c) > rank(*best) ||
            (rank(c) == rank(*best) && c.address < best->address)) {
            best = &c;
        }
    }
    if (best == nullptr) return std::nullopt;
    return best->address;
}

bool is_public(const IpAddress& a) {
    static constexpr std::array<std::string_view, 11> kV4 = {
        "0.0.0.0/8",      "10.0.0.0/8",    "100.64.0.0/10", "127.0.0.0/8",
        "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",  "192.168.0.0/16",
        "198.18.0.0/15",  "224.0.0.0/4",   "240.0.0.0/4"};
    if (a.is_v4()) {
        return std::none_of(kV4.begin(), kV4.end(), [&](auto n) { return in(a, n); });
    }
    // Global unicast only; this also excludes ::, ::1, link-local, ULA and multicast.
    return in(a, "2000::/3");
}

std::optional<IpAddress> parse_address_text(std::string_view text, IpFamily family) {
    std::string token;
    auto flush = [&]() -> std::optional<IpAddress> {
        auto a = IpAddress::parse(token);
        token.clear();
        if (a && a->family() == family) return a;
        return std::nullopt;
    };
    for (char c : text) {
        const bool addr_char = std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':';
        if (addr_char) {
            token += c;
        } else if (!token.empty()) {
            if (auto a = flush()) return a;
        }
    }
    if (!token.empty()) return flush();
    return std::nullopt;
}

Expected<IpAddress, std::string> read_address(const AddressSource& source, IpFamily family,
                                              const SourceEnvironment& env) {
    using K = AddressSource::Kind;
    std::optional<IpAddress> found;
    std::string where;
    switch (source.kind) {
        case K::Interface: {
            where = "interface " + source.argument;
            if (family == IpFamily::V4) {
                found = interface_v4(source.argument);
            } else {
                std::ifstream f(env.if_inet6);
                std::stringstream text;
                text << f.rdbuf();
                found = choose_ipv6(parse_if_inet6(text.str(), source.argument));
            }
            break;
        }
        case K::File: {
            where = "file " + source.argument;
            // The whole first line must be one address: anything else is never sent.
            if (auto line = read_first_line(source.argument)) {
                while (!line->empty() && (line->back() == '\r' || line->back() == ' ')) {
                    line->pop_back();
                }
                auto a = IpAddress::parse(*line);
                if (a && a->family() == family) found = a;
            }
            break;
        }
        case K::Command: {
            where = "command";
            if (auto out = run_command(source.argument)) found = parse_address_text(*out, family);
            break;
        }
        case K::Web: {
            const std::string url = source.argument.empty() ? env.default_web_url : source.argument;
            where = "web " + url;
            if (auto body = env.fetch ? env.fetch(url) : std::nullopt) {
                found = parse_address_text(*body, family);
            }
            break;
        }
        case K::Off:
        case K::Auto:
            return Unexpected(std::string("no address source"));
    }
    if (!found) return Unexpected("no valid " + family_name(family) + " address from " + where);
    if (!env.allow_private && !is_public(*found)) {
        return Unexpected(family_name(family) + " address " + found->to_string() + " from " +
                          where + " is not public (allow_private = yes to send it)");
    }
    return *found;
}

}  // namespace ddns::agent
