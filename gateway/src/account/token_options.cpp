#include "ddns/gateway/account/token_options.hpp"

#include <cstddef>

#include "ddns/gateway/base/duration.hpp"

namespace ddns::gateway {
namespace {

constexpr std::size_t kMaxNetworks = 16;  // tokens.networks (migration 019)
// tokens.max_age_seconds / max_unused_seconds are integers.
constexpr std::chrono::seconds kMaxLimit{2147483647};

bool is_separator(char c) {
    return c == ',' || c == ' ' || c == '\t';
}

Expected<std::vector<IpNetwork>, std::string> parse_networks(std::string_view text) {
    std::vector<IpNetwork> out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (is_separator(text[i])) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && !is_separator(text[end])) ++end;
        const std::string_view word = text.substr(i, end - i);
        auto network = IpNetwork::parse(word);
        if (!network)
            return Unexpected{"'" + std::string(word) +
                              "' is not a network (write 192.0.2.0/24 or 2001:db8::/48)"};
        if (out.size() == kMaxNetworks)
            return Unexpected{std::string("at most 16 networks per token")};
        out.push_back(*network);
        i = end;
    }
    return out;
}

Expected<std::optional<std::chrono::seconds>, std::string> parse_limit(std::string_view text,
                                                                       const char* what) {
    if (text.empty()) return std::optional<std::chrono::seconds>{};
    auto d = parse_duration(text);
    if (!d || *d <= std::chrono::seconds::zero() || *d > kMaxLimit)
        return Unexpected{std::string(what) + " must be a positive duration such as 12h or 30d"};
    return std::optional<std::chrono::seconds>{*d};
}

}  // namespace

Expected<auth::TokenLimits, std::string> parse_token_limits(const TokenOptionText& text) {
    auth::TokenLimits limits;
    if (!text.purpose.empty()) {
        auto purpose = auth::parse_token_purpose(text.purpose);
        if (!purpose) return Unexpected{std::string("purpose must be 'update' or 'acme'")};
        limits.purpose = *purpose;
    }
    auto networks = parse_networks(text.networks);
    if (!networks) return Unexpected{networks.error()};
    limits.networks = std::move(*networks);
    auto max_age = parse_limit(text.max_age, "max_age");
    if (!max_age) return Unexpected{max_age.error()};
    limits.max_age = *max_age;
    auto max_unused = parse_limit(text.max_unused, "max_unused");
    if (!max_unused) return Unexpected{max_unused.error()};
    limits.max_unused = *max_unused;
    return limits;
}

std::string format_networks(const auth::TokenLimits& limits) {
    std::string out;
    for (const IpNetwork& n : limits.networks) out += (out.empty() ? "" : ",") + n.to_string();
    return out;
}

}  // namespace ddns::gateway
