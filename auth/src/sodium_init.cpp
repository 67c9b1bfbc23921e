#include "sodium_init.hpp"

#include <sodium.h>

#include <span>
#include <stdexcept>
#include <vector>

namespace ddns::auth::detail {

void ensure_sodium() {
    // A function-local static is initialised exactly once, even with concurrent callers.
    static const bool initialised = [] {
        if (::sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
        return true;
    }();
    (void)initialised;
}

Secret random_secret(std::size_t size) {
    ensure_sodium();
    std::vector<std::uint8_t> buf(size);
    ::randombytes_buf(buf.data(), buf.size());
    Secret out{std::span<const std::uint8_t>(buf)};
    ::sodium_memzero(buf.data(), buf.size());
    return out;
}

}  // namespace ddns::auth::detail
