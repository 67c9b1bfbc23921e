// libsodium must be initialised before its random generator or hashes are used; every auth entry
// point that touches libsodium calls this first.
#pragma once

namespace ddns::auth::detail {

// Thread-safe, idempotent. Throws std::runtime_error if libsodium cannot initialise.
void ensure_sodium();

}  // namespace ddns::auth::detail
