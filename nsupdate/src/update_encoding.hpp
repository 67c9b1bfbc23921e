// Private: UPDATE encoding steps, exposed so the client can keep the request MAC and tests can
// inspect the unsigned message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ddns/nsupdate/update_message.hpp"
#include "tsig.hpp"

namespace ddns::detail {

// The UPDATE message without TSIG. `reserve` octets are kept free below 65535 for the TSIG RR.
Expected<std::vector<std::uint8_t>, std::string> encode_unsigned_update(
    const UpdateRequest& request, std::uint16_t id, std::size_t reserve = 0);

// Encoded and signed; the MAC is returned as well (needed to verify the reply).
Expected<SignedMessage, std::string> encode_and_sign_update(const UpdateRequest& request,
                                                            const TsigKey& key, std::uint16_t id,
                                                            std::uint64_t time_signed,
                                                            std::uint16_t fudge);

}  // namespace ddns::detail
