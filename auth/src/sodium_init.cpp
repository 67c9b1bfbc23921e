#include "sodium_init.hpp"

#include <sodium.h>

#include <stdexcept>

namespace ddns::auth::detail {

void ensure_sodium() {
    // A function-local static is initialised exactly once, even with concurrent callers.
    static const bool initialised = [] {
        if (::sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
        return true;
    }();
    (void)initialised;
}

}  // namespace ddns::auth::detail
