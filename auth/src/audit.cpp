#include "ddns/auth/audit.hpp"

namespace ddns::auth {

// These words are stored in update_log.fault (see its CHECK constraint) and printed by admin.
std::string_view to_string(FaultClass fault) noexcept {
    switch (fault) {
        case FaultClass::None:
            return "none";
        case FaultClass::Client:
            return "client";
        case FaultClass::Server:
            return "server";
        case FaultClass::Auth:
            return "auth";
    }
    return "none";
}

}  // namespace ddns::auth
