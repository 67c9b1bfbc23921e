#include "ddns/auth/model.hpp"

namespace ddns::auth {

std::string_view to_string(Plan plan) noexcept {
    switch (plan) {
        case Plan::Free:
            return "free";
        case Plan::Domain:
            return "domain";
    }
    return "free";
}

std::optional<Plan> parse_plan(std::string_view text) noexcept {
    if (text == "free") return Plan::Free;
    if (text == "domain") return Plan::Domain;
    return std::nullopt;
}

}  // namespace ddns::auth
