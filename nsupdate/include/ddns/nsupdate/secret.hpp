// Secret bytes (TSIG keys, passwords, tokens): move-only, wiped on destruction, compared in
// constant time, and impossible to print by accident (no operator<<, no implicit string).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ddns {

class Secret {
public:
    Secret() = default;
    explicit Secret(std::string_view bytes);
    explicit Secret(std::span<const std::uint8_t> bytes);
    ~Secret();
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;

    // Deliberate copy, spelled out where it happens.
    Secret clone() const { return Secret(std::span<const std::uint8_t>(bytes_)); }

    bool empty() const noexcept { return bytes_.empty(); }
    std::size_t size() const noexcept { return bytes_.size(); }
    // Access for the code that must use the bytes (HMAC, hashing). Never log these. The data
    // pointer is never null, even when empty: C APIs (libsodium, OpenSSL) declare it non-null.
    std::span<const std::uint8_t> expose_bytes() const noexcept;
    std::string_view expose_view() const noexcept;

    // Constant-time comparison (time depends on the lengths only).
    bool equals(const Secret& other) const noexcept;

private:
    void wipe() noexcept;
    std::vector<std::uint8_t> bytes_;
};

// Constant-time equality of two byte strings of possibly different length.
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

}  // namespace ddns
