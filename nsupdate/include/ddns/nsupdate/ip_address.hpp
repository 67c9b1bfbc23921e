// IPv4/IPv6 address and network value types, parsed once at the edge.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ddns {

enum class IpFamily : std::uint8_t { V4, V6 };

class IpAddress {
public:
    // Accepts dotted-quad IPv4 and RFC 4291 IPv6 text. IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes
    // IPv4. Rejects brackets, zone ids, prefixes, leading/trailing junk and leading zeros in
    // dotted quads (ambiguous octal).
    static std::optional<IpAddress> parse(std::string_view text);
    static IpAddress v4(const std::array<std::uint8_t, 4>& bytes);
    static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);

    IpFamily family() const noexcept { return family_; }
    bool is_v4() const noexcept { return family_ == IpFamily::V4; }
    bool is_v6() const noexcept { return family_ == IpFamily::V6; }
    // 4 bytes for IPv4, 16 for IPv6.
    std::span<const std::uint8_t> bytes() const noexcept;
    // All-zero address (0.0.0.0 or ::).
    bool is_unspecified() const noexcept;
    // Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6.
    std::string to_string() const;

    friend bool operator==(const IpAddress&, const IpAddress&) = default;
    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

private:
    IpFamily family_ = IpFamily::V4;
    std::array<std::uint8_t, 16> bytes_{};  // IPv4 uses the first 4 bytes
};

// An address prefix such as 10.0.0.0/8 or 2001:db8::/32.
class IpNetwork {
public:
    // "addr/len" or a bare address (full-length prefix). Host bits are masked off, so
    // "192.168.1.7/24" means 192.168.1.0/24.
    static std::optional<IpNetwork> parse(std::string_view text);
    IpNetwork(IpAddress base, unsigned prefix_length);

    bool contains(const IpAddress& address) const noexcept;
    const IpAddress& base() const noexcept { return base_; }
    unsigned prefix_length() const noexcept { return prefix_; }
    std::string to_string() const;

    friend bool operator==(const IpNetwork&, const IpNetwork&) = default;

private:
    IpAddress base_;
    unsigned prefix_;
};

}  // namespace ddns
