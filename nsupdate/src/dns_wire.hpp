// Private: minimal DNS wire-format helpers used for TSIG (writing names, walking a message).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ddns/nsupdate/dns_name.hpp"

namespace ddns::detail {

constexpr std::size_t kHeaderSize = 12;
constexpr std::uint16_t kTypeTsig = 250;
constexpr std::uint16_t kClassAny = 255;

// Uncompressed wire form of a name (lower case, as DnsName always is).
std::vector<std::uint8_t> name_to_wire(const DnsName& name);

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v);
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v);
void put_u48(std::vector<std::uint8_t>& out, std::uint64_t v);
std::uint16_t get_u16(std::span<const std::uint8_t> in, std::size_t at);

// Bounds-checked reader over a whole message (names may use compression pointers).
class WireReader {
public:
    explicit WireReader(std::span<const std::uint8_t> message) : msg_(message) {}
    std::size_t position() const { return pos_; }
    bool ok() const { return ok_; }
    std::uint8_t u8();
    std::uint16_t u16();
    std::uint32_t u32();
    std::uint64_t u48();
    std::span<const std::uint8_t> bytes(std::size_t n);
    // Reads a (possibly compressed) name; returns its uncompressed, lower-cased wire form.
    std::vector<std::uint8_t> name();
    void skip(std::size_t n) { (void)bytes(n); }

private:
    std::span<const std::uint8_t> msg_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace ddns::detail
