#include "ddns/sql/admin_repository.hpp"

namespace ddns::sql {

std::string_view to_string(AdminError error) noexcept {
    switch (error) {
        case AdminError::AlreadyExists:
            return "already exists";
        case AdminError::NotFound:
            return "not found";
        case AdminError::NoSuchAccount:
            return "no such account";
        case AdminError::NoSuchZone:
            return "no zone contains that name";
        case AdminError::NoSuchHost:
            return "no such host";
        case AdminError::StillInUse:
            return "still in use";
        case AdminError::NotDomainAccount:
            return "not a domain account";
        case AdminError::HoldsRecords:
            return "the name holds records";
        case AdminError::NotDerivable:
            return "can only derive from another host of the same account and zone that is not "
                   "derived itself, and a host others derive from cannot be derived";
    }
    return "unknown error";
}

}  // namespace ddns::sql
