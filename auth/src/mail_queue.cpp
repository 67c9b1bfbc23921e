#include "ddns/auth/mail_queue.hpp"

namespace ddns::auth {

bool header_safe(const std::string& text) {
    if (text.empty()) return false;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) return false;
    }
    return true;
}

}  // namespace ddns::auth
