// Where the agent's addresses come from: the kernel, a file, a command, a check-IP URL.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/agent/config.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/ip_address.hpp"

namespace ddns::agent {

// One line of /proc/net/if_inet6 (the kernel's IFA_F_* flags and scope).
struct Ipv6Candidate {
    IpAddress address;
    unsigned scope = 0;  // 0x00 global, 0x10 host, 0x20 link, 0x40 site
    unsigned flags = 0;
};

inline constexpr unsigned kIfaTemporary = 0x01;
inline constexpr unsigned kIfaDadFailed = 0x08;
inline constexpr unsigned kIfaDeprecated = 0x20;
inline constexpr unsigned kIfaTentative = 0x40;

// The lines of /proc/net/if_inet6 that belong to `interface`.
std::vector<Ipv6Candidate> parse_if_inet6(std::string_view text, std::string_view interface);

// The address to publish: global scope only, never link-local or ULA, never tentative or failed;
// stable before temporary, preferred before deprecated; ties go to the lowest address.
std::optional<IpAddress> choose_ipv6(const std::vector<Ipv6Candidate>& candidates);

// Reachable from the Internet (the gateway's rules: the documentation ranges count as public).
bool is_public(const IpAddress& address);

// The first address-looking token of a check-IP answer or a file's first line.
std::optional<IpAddress> parse_address_text(std::string_view text, IpFamily family);

// Fetches a URL's body (the web source); returns nullopt on any failure.
using Fetch = std::function<std::optional<std::string>(const std::string& url)>;

struct SourceEnvironment {
    Fetch fetch;
    std::string default_web_url;  // the server's /myip
    std::string if_inet6 = "/proc/net/if_inet6";
    bool allow_private = false;
};

// The address for one family, or why there is none. Auto and Off never come here.
Expected<IpAddress, std::string> read_address(const AddressSource& source, IpFamily family,
                                              const SourceEnvironment& env);

}  // namespace ddns::agent
