#include "ddns/nsupdate/secret.hpp"

#include <cstring>

namespace ddns {

Secret::Secret(std::string_view bytes) : bytes_(bytes.begin(), bytes.end()) {}
Secret::Secret(std::span<const std::uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
Secret::~Secret() {
    wipe();
}

Secret::Secret(Secret&& other) noexcept : bytes_(std::move(other.bytes_)) {
    other.wipe();
}

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        bytes_ = std::move(other.bytes_);
        other.wipe();
    }
    return *this;
}

namespace {
constexpr std::uint8_t kNoBytes[1] = {0};
}  // namespace

std::span<const std::uint8_t> Secret::expose_bytes() const noexcept {
    if (bytes_.empty()) return {kNoBytes, 0};
    return bytes_;
}

std::string_view Secret::expose_view() const noexcept {
    const auto bytes = expose_bytes();
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool Secret::equals(const Secret& other) const noexcept {
    return constant_time_equal(bytes_, other.bytes_);
}

void Secret::wipe() noexcept {
    if (!bytes_.empty()) {
        // explicit_bzero is not elided by the optimiser, unlike a plain memset before free.
        ::explicit_bzero(bytes_.data(), bytes_.size());
    }
    bytes_.clear();
}

bool constant_time_equal(std::span<const std::uint8_t> a,
                         std::span<const std::uint8_t> b) noexcept {
    // Compare over the longer length so timing reveals only the lengths, not the contents.
    const std::size_t n = a.size() > b.size() ? a.size() : b.size();
    unsigned diff = a.size() == b.size() ? 0u : 1u;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t x = i < a.size() ? a[i] : 0;
        const std::uint8_t y = i < b.size() ? b[i] : 0;
        diff |= static_cast<unsigned>(x ^ y);
    }
    return diff == 0;
}

}  // namespace ddns
