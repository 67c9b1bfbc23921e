// Words of the self-service store's values (as the database keeps them).
#include "ddns/auth/self_service_store.hpp"

namespace ddns::auth {

std::string_view to_string(LinkPurpose purpose) noexcept {
    switch (purpose) {
        case LinkPurpose::Verify:
            return "verify";
        case LinkPurpose::Reset:
            return "reset";
        case LinkPurpose::ChangeEmail:
            return "change-email";
    }
    return "verify";
}

}  // namespace ddns::auth
