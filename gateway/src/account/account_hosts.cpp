// The account use cases on a user's hosts and update tokens: names under public zones (or the
// account's own zones), the availability check, removal with DNS cleared first, addresses set
// by hand through the update service, heartbeat and offline action, the update history.
#include <algorithm>
#include <memory>
#include <utility>

#include "account_rules.hpp"
#include "ddns/auth/token.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/host_name_rule.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"

namespace ddns::gateway {

using account_rules::apply_failure;
using account_rules::fail;

namespace {

// A user's heartbeat below this would make the sweeper churn the zone for nothing.
constexpr std::chrono::seconds kMinHeartbeat{60};

}  // namespace

std::vector<auth::PublicZone> AccountService::public_zones() {
    return d_.store.public_zones();
}

AccountResult<AccountService::HostPlace> AccountService::host_place(std::int64_t account_id,
                                                                    std::string_view text) {
    const auto name = DnsName::parse(text);
    if (!name || !name->is_hostname() || text.ends_with('.'))
        return fail(AccountError::BadInput, "not a host name: letters, digits and '-' in labels");
    const auto user = d_.store.account_by_id(account_id);
    if (!user) return fail(AccountError::NotFound, "no such account");
    auto zone = d_.store.zone_containing(*name);
    const auto publics = d_.store.public_zones();
    const auto owned = d_.store.owned_zones(account_id);
    const bool is_public = zone && std::any_of(publics.begin(), publics.end(),
                                               [&](const auto& z) { return z.id == zone->id; });
    const bool is_owned = zone && std::any_of(owned.begin(), owned.end(),
                                              [&](const auto& z) { return z.id == zone->id; });
    if (!is_public && !is_owned)
        return fail(AccountError::NotAllowed, "names here are not open to users");
    if (*name == zone->name) return fail(AccountError::NotAllowed, "the zone's apex is not a host");
    HostPlace place{*name, std::make_shared<const auth::Zone>(std::move(*zone)), 0};
    const auth::Zone& z = *place.zone;
    if (!is_owned) {
        // Under a public zone: one label, not reserved, within the account's host limit.
        const auto label = name->relative_to(z.name);
        if (!label || label->find('.') != std::string::npos)
            return fail(AccountError::BadInput, "pick one label directly under " + z.name.str());
        const auto& reserved = options_.reserved_labels;
        if (std::find(reserved.begin(), reserved.end(), *label) != reserved.end())
            return fail(AccountError::Reserved, "this name is reserved");
        if (user->account.plan == auth::Plan::Free) place.limit = options_.max_hosts_per_account;
    }
    if (d_.principals.find_host_owner(*name))
        return fail(AccountError::NameTaken, "this name is taken");
    return place;
}

AccountResult<Done> AccountService::probe_unused(const HostPlace& place) {
    std::optional<UpdateResult> probe;
    const auth::Zone& zone = *place.zone;
    if (host_name_needs_probe(zone.name, place.name, false))
        probe = d_.dns.send(name_unused_probe(zone.name, place.name), zone.key, zone.server);
    switch (host_name_verdict(zone.name, place.name, probe, false)) {
        case HostNameVerdict::Allowed:
            return Done{};
        case HostNameVerdict::ZoneApex:
            return fail(AccountError::NotAllowed, "the zone's apex is not a host");
        case HostNameVerdict::InUse:
            return fail(AccountError::InUse, "this name already holds records");
        case HostNameVerdict::Unverified:
            break;
    }
    return fail(AccountError::DnsFailed, "the DNS server could not be asked; try again later");
}

AccountResult<Done> AccountService::check_host_name(std::int64_t account_id,
                                                    std::string_view name) {
    auto place = host_place(account_id, name);
    if (!place) return Unexpected{place.error()};
    if (place->limit > 0 && d_.store.hosts(account_id).size() >= place->limit)
        return fail(AccountError::HostLimit, "this account holds as many hosts as it may");
    return probe_unused(*place);
}

AccountResult<auth::UserHost> AccountService::add_host(std::int64_t account_id,
                                                       std::string_view name) {
    auto place = host_place(account_id, name);
    if (!place) return Unexpected{place.error()};
    if (auto probed = probe_unused(*place); !probed) return Unexpected{probed.error()};
    auto id = d_.store.add_host(account_id, place->name, place->limit);
    if (!id) {
        switch (id.error()) {
            case auth::HostConflict::NameTaken:
                return fail(AccountError::NameTaken, "this name is taken");
            case auth::HostConflict::HoldsRecords:
                return fail(AccountError::InUse, "this name already holds records");
            case auth::HostConflict::LimitReached:
                return fail(AccountError::HostLimit, "this account holds as many hosts as it may");
        }
    }
    d_.log.info("account: host added " + place->name.str());
    return host(account_id, place->name.str());
}

AccountResult<std::vector<auth::UserHost>> AccountService::hosts(std::int64_t account_id) {
    return d_.store.hosts(account_id);
}

AccountResult<auth::UserHost> AccountService::host(std::int64_t account_id, std::string_view name) {
    const auto parsed = DnsName::parse(name);
    std::optional<auth::UserHost> found;
    if (parsed) found = d_.store.host(account_id, *parsed);
    if (!found) return fail(AccountError::NotFound, "no such host");
    return *found;
}

AccountResult<Done> AccountService::apply_to_host(std::int64_t account_id,
                                                  const auth::UserHost& host, FamilyIntent v4,
                                                  FamilyIntent v6) {
    const auto user = d_.store.account_by_id(account_id);
    if (!user) return fail(AccountError::NotFound, "no such host");
    const auto principal = d_.principals.load_principal(user->account.username, "");
    if (!principal) return fail(AccountError::NotFound, "no such host");
    const auto it = std::find_if(principal->hosts.begin(), principal->hosts.end(),
                                 [&](const auth::Host& h) { return h.id == host.id; });
    if (it == principal->hosts.end()) return fail(AccountError::NotFound, "no such host");
    const auto results = d_.updates.apply(
        {HostIntent{&*it, v4, v6, false, {}, derived_from(principal->hosts, *it)}}, d_.clock());
    return apply_failure(results.at(0).status);
}

AccountResult<Done> AccountService::remove_host(std::int64_t account_id, std::string_view name) {
    auto found = host(account_id, name);
    if (!found) return Unexpected{found.error()};
    // DNS first: the row is only forgotten once BIND no longer holds the addresses.
    auto cleared =
        apply_to_host(account_id, *found, FamilyIntent::remove(), FamilyIntent::remove());
    if (!cleared) return cleared;
    if (!d_.store.remove_host(account_id, found->id))
        return fail(AccountError::NotFound, "no such host");
    d_.log.info("account: host removed " + found->name.str());
    return Done{};
}

AccountResult<auth::UserHost> AccountService::set_address(std::int64_t account_id,
                                                          std::string_view name,
                                                          const AddressChange& change) {
    auto found = host(account_id, name);
    if (!found) return found;
    auto intent = [&](const std::optional<IpAddress>& a, bool clear,
                      IpFamily family) -> AccountResult<FamilyIntent> {
        if (clear) return FamilyIntent::remove();
        if (!a) return FamilyIntent::keep();
        if (a->family() != family)
            return fail(AccountError::BadInput, "an address of the other family");
        if (!d_.policy.allows(*a) || is_sentinel(a))
            return fail(AccountError::BadInput, a->to_string() + " is not a public address");
        return FamilyIntent::set(*a);
    };
    auto v4 = intent(change.ipv4, change.clear_ipv4, IpFamily::V4);
    if (!v4) return Unexpected{v4.error()};
    auto v6 = intent(change.ipv6, change.clear_ipv6, IpFamily::V6);
    if (!v6) return Unexpected{v6.error()};
    auto applied = apply_to_host(account_id, *found, *v4, *v6);
    if (!applied) return Unexpected{applied.error()};
    return host(account_id, name);
}

AccountResult<auth::UserHost> AccountService::configure_host(std::int64_t account_id,
                                                             std::string_view name,
                                                             const HostSettings& settings) {
    auto found = host(account_id, name);
    if (!found) return found;
    if (settings.heartbeat && *settings.heartbeat && settings.heartbeat->value().count() != 0 &&
        settings.heartbeat->value() < kMinHeartbeat)
        return fail(AccountError::BadInput, "a heartbeat is at least 60 seconds (or 0: none)");
    if (settings.heartbeat && *settings.heartbeat &&
        settings.heartbeat->value() > std::chrono::seconds(365L * 86400))
        return fail(AccountError::BadInput, "a heartbeat is at most 365 days");
    if (settings.offline_action) {
        const auto user = d_.store.account_by_id(account_id);
        if (!user || user->account.plan != auth::Plan::Domain)
            return fail(AccountError::NotAllowed, "only domain accounts choose the offline action");
    }
    if (settings.heartbeat) d_.store.set_host_heartbeat(account_id, found->id, *settings.heartbeat);
    if (settings.offline_action)
        d_.store.set_host_offline_action(account_id, found->id, *settings.offline_action);
    return host(account_id, name);
}

AccountResult<std::vector<auth::HistoryEntry>> AccountService::host_history(std::int64_t account_id,
                                                                            std::string_view name,
                                                                            std::size_t limit) {
    auto found = host(account_id, name);
    if (!found) return Unexpected{found.error()};
    return d_.store.host_history(account_id, found->id, std::clamp<std::size_t>(limit, 1, 500));
}

AccountResult<IssuedToken> AccountService::create_update_token(
    std::int64_t account_id, std::string_view name, const std::optional<std::string>& host_name,
    const TokenOptionText& limit_text) {
    if (name.size() > 64)
        return fail(AccountError::BadInput, "a token name has at most 64 characters");
    auto limits = parse_token_limits(limit_text);
    if (!limits) return fail(AccountError::BadInput, limits.error());
    std::optional<std::int64_t> host_id;
    if (host_name) {
        auto found = host(account_id, *host_name);
        if (!found) return Unexpected{found.error()};
        host_id = found->id;
    }
    if (!d_.store.account_by_id(account_id)) return fail(AccountError::NotFound, "no such account");
    auto token = auth::generate_token();
    const auto id = d_.store.add_update_token(account_id, host_id, name, token.digest, *limits);
    return IssuedToken{id, std::move(token.token)};
}

AccountResult<std::vector<auth::TokenInfo>> AccountService::update_tokens(std::int64_t account_id) {
    return d_.store.update_tokens(account_id);
}

AccountResult<Done> AccountService::revoke_update_token(std::int64_t account_id,
                                                        std::int64_t token_id) {
    if (!d_.store.revoke_update_token(account_id, token_id))
        return fail(AccountError::NotFound, "no such update token");
    return Done{};
}

}  // namespace ddns::gateway
