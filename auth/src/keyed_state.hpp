// A keyed BLAKE2b (libsodium's generichash) whose key block is absorbed once: each digest starts
// from a copy of this state instead of compressing the key again (the same digests, one
// compression fewer each). Used by the failure throttle's keys and the credential cache's.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <span>

namespace ddns::auth::detail {

struct KeyedState {
    KeyedState(std::span<const unsigned char> key, std::size_t digest_size) {
        ::crypto_generichash_init(&state, key.data(), key.size(), digest_size);
    }
    ~KeyedState() { ::sodium_memzero(&state, sizeof state); }
    KeyedState(const KeyedState&) = delete;
    KeyedState& operator=(const KeyedState&) = delete;
    crypto_generichash_state state;
};

}  // namespace ddns::auth::detail
