#include <algorithm>

#include "ddns/auth/model.hpp"
#include "ddns/auth/store.hpp"

namespace ddns::auth {

bool same_zone(const Zone& a, const Zone& b) {
    return a.id == b.id && a.name == b.name && a.server == b.server && a.key.name == b.key.name &&
           a.key.algorithm == b.key.algorithm && a.key.secret.equals(b.key.secret) &&
           a.default_ttl == b.default_ttl && a.owner_account_id == b.owner_account_id &&
           a.heartbeat_timeout == b.heartbeat_timeout && a.offline_action == b.offline_action &&
           a.wildcard_allowed == b.wildcard_allowed;
}

bool HostSettings::same_as(const Host& host) const {
    return ttl == host.ttl && offline_action == host.offline_action &&
           derive_from == host.derive_from && interface_id == host.interface_id &&
           prefix_length == host.prefix_length && zone && host.zone && same_zone(*zone, *host.zone);
}

void HostSettings::apply_to(Host& host) const {
    host.ttl = ttl;
    host.offline_action = offline_action;
    host.derive_from = derive_from;
    host.interface_id = interface_id;
    host.prefix_length = prefix_length;
    if (zone) host.zone = zone;
}

std::string_view to_string(TokenPurpose purpose) noexcept {
    return purpose == TokenPurpose::Acme ? "acme" : "update";
}

std::optional<TokenPurpose> parse_token_purpose(std::string_view text) noexcept {
    if (text == "update") return TokenPurpose::Update;
    if (text == "acme") return TokenPurpose::Acme;
    return std::nullopt;
}

bool TokenMatch::usable(const std::optional<IpAddress>& client, TimePoint now) const {
    if (!limits.networks.empty()) {
        if (!client) return false;
        if (std::none_of(limits.networks.begin(), limits.networks.end(),
                         [&](const IpNetwork& n) { return n.contains(*client); }))
            return false;
    }
    if (limits.max_age && now >= created + *limits.max_age) return false;
    if (limits.max_unused && now >= last_used.value_or(created) + *limits.max_unused) return false;
    return true;
}

bool TokenMatch::use_worth_recording(const std::optional<IpAddress>& client, TimePoint now) const {
    if (!last_used || now >= *last_used + kTokenUseRecordInterval) return true;
    return client && client != last_used_address;
}

bool Principal::may_update(const Host& host) const {
    if (token && token->limits.purpose != TokenPurpose::Update) return false;
    if (token && token->host_id && *token->host_id != host.id) return false;
    return std::any_of(hosts.begin(), hosts.end(), [&](const Host& h) { return h.id == host.id; });
}

bool Principal::may_answer_challenge(const Host& host) const {
    if (token && token->limits.purpose != TokenPurpose::Acme) return false;
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
    return !(token && (token->host_id || token->limits.purpose != TokenPurpose::Update));
}

}  // namespace ddns::auth
