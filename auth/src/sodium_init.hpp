// libsodium must be initialised before its random generator or hashes are used; every auth entry
// point that touches libsodium calls this first.
#pragma once

#include <cstddef>

#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth::detail {

// Thread-safe, idempotent. Throws std::runtime_error if libsodium cannot initialise.
void ensure_sodium();

// `size` bytes from libsodium's generator (keys for keyed hashes, dummy passwords).
Secret random_secret(std::size_t size);

}  // namespace ddns::auth::detail
