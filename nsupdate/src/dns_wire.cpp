// Private DNS wire helpers (see dns_wire.hpp).
#include "dns_wire.hpp"

namespace ddns::detail {

std::vector<std::uint8_t> name_to_wire(const DnsName& name) {
    std::vector<std::uint8_t> out;
    out.reserve(name.str().size() + 2);
    for (const auto label : name.labels()) {
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
    }
    out.push_back(0);
    return out;
}

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    put_u16(out, static_cast<std::uint16_t>(v >> 16));
    put_u16(out, static_cast<std::uint16_t>(v));
}

void put_u48(std::vector<std::uint8_t>& out, std::uint64_t v) {
    put_u16(out, static_cast<std::uint16_t>(v >> 32));
    put_u32(out, static_cast<std::uint32_t>(v));
}

std::uint16_t get_u16(std::span<const std::uint8_t> in, std::size_t at) {
    return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}

std::span<const std::uint8_t> WireReader::bytes(std::size_t n) {
    if (!ok_ || n > msg_.size() - pos_) {
        ok_ = false;
        return {};
    }
    auto out = msg_.subspan(pos_, n);
    pos_ += n;
    return out;
}

std::uint8_t WireReader::u8() {
    const auto b = bytes(1);
    return b.empty() ? 0 : b[0];
}

std::uint16_t WireReader::u16() {
    const auto b = bytes(2);
    return b.empty() ? 0 : static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

std::uint32_t WireReader::u32() {
    const std::uint32_t hi = u16();
    return (hi << 16) | u16();
}

std::uint64_t WireReader::u48() {
    const std::uint64_t hi = u16();
    return (hi << 32) | u32();
}

std::vector<std::uint8_t> WireReader::name() {
    std::vector<std::uint8_t> out;
    std::size_t at = pos_;
    bool jumped = false;
    int hops = 0;
    while (ok_) {
        if (at >= msg_.size()) {
            ok_ = false;
            break;
        }
        const std::uint8_t len = msg_[at];
        if ((len & 0xc0) == 0xc0) {
            if (at + 1 >= msg_.size() || ++hops > 64) {
                ok_ = false;
                break;
            }
            const std::size_t target = static_cast<std::size_t>((len & 0x3f) << 8) | msg_[at + 1];
            if (!jumped) pos_ = at + 2;
            jumped = true;
            at = target;
            continue;
        }
        if ((len & 0xc0) != 0 || at + 1 + len > msg_.size() || out.size() + len + 1 > 255) {
            ok_ = false;
            break;
        }
        out.push_back(len);
        for (std::size_t i = 0; i < len; ++i) {
            std::uint8_t c = msg_[at + 1 + i];
            if (c >= 'A' && c <= 'Z') c = static_cast<std::uint8_t>(c - 'A' + 'a');
            out.push_back(c);
        }
        at += 1 + len;
        if (len == 0) {
            if (!jumped) pos_ = at;
            break;
        }
    }
    return out;
}

}  // namespace ddns::detail
