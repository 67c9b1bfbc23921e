// Validated, lower-cased domain name. The invariant is checked in parse(); a DnsName can never
// hold an over-long label, an empty label or a character outside the allowed set.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ddns {

class DnsName {
public:
    // Accepts an absolute or relative name with an optional trailing dot. Labels are 1..63
    // octets of [A-Za-z0-9_-] (no leading or trailing '-'), or a single "*" as the leftmost
    // label; the presentation form is at most 253 characters. "." (the root) is rejected.
    // Upper case is folded to lower case.
    static std::optional<DnsName> parse(std::string_view text);

    // Text without the trailing dot, lower case: "host.example.org".
    const std::string& str() const noexcept { return text_; }
    // Absolute presentation form with the trailing dot: "host.example.org.".
    std::string fqdn() const { return text_ + "."; }
    std::vector<std::string_view> labels() const;
    std::size_t label_count() const;

    // True when this name equals `zone` or lies below it.
    bool is_at_or_below(const DnsName& zone) const noexcept;
    // Label(s) relative to `zone` ("host" for host.example.org in example.org, "@" for the apex);
    // nullopt when not at or below the zone.
    std::optional<std::string> relative_to(const DnsName& zone) const;
    // "label" + "." + this; nullopt if the result would be invalid.
    std::optional<DnsName> prepend(std::string_view label) const;
    // True for LDH host names (RFC 952/1123): no '_' and no '*'.
    bool is_hostname() const noexcept;

    friend bool operator==(const DnsName&, const DnsName&) = default;
    friend auto operator<=>(const DnsName&, const DnsName&) = default;

private:
    explicit DnsName(std::string text) : text_(std::move(text)) {}
    std::string text_;
};

}  // namespace ddns
