#include <algorithm>

#include "ddns/auth/model.hpp"

namespace ddns::auth {

bool Principal::may_update(const Host& host) const {
    if (token && token->host_id && *token->host_id != host.id) return false;
    return std::any_of(hosts.begin(), hosts.end(), [&](const Host& h) { return h.id == host.id; });
}

std::vector<const Host*> Principal::updatable_hosts() const {
    std::vector<const Host*> out;
    for (const Host& h : hosts)
        if (may_update(h)) out.push_back(&h);
    return out;
}

const Host* Principal::updatable_host(const DnsName& name) const {
    for (const Host& h : hosts)
        if (h.name == name && may_update(h)) return &h;
    return nullptr;
}

bool Principal::may_manage_zones() const {
    return !(token && token->host_id);
}

}  // namespace ddns::auth
