// The account use case on derived hosts (protocols.md §9, docs/design.md "IPv6 prefixes and
// derived hosts"): a user makes one of their hosts follow another one's IPv6 prefix, changes
// that, or makes it an ordinary host again. The rules are core's (ipv6_prefix.hpp), the same as
// `admin host derive`; the database checks them again where it records the derivation.
#include <algorithm>

#include "account_rules.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/core/derived_host.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"

namespace ddns::gateway {

using account_rules::apply_failure;
using account_rules::fail;

namespace {

const auth::Host* find_host(const std::vector<auth::Host>& hosts, const DnsName& name) {
    const auto it = std::find_if(hosts.begin(), hosts.end(),
                                 [&](const auth::Host& h) { return h.name == name; });
    return it == hosts.end() ? nullptr : &*it;
}

AccountResult<auth::Derivation> parse_derivation(const DeriveInput& input) {
    const auto from = DnsName::parse(input.from);
    if (!from || !from->is_hostname())
        return fail(AccountError::BadInput, "the router host is a host name of this account");
    const auto iid = IpAddress::parse(input.interface_id);
    if (!iid) return fail(AccountError::BadInput, "the interface ID is written like ::1:2:3:4");
    if (input.prefix_length < 0 || input.prefix_length > 128)
        return fail(AccountError::BadInput, "the prefix length is 16 to 64");
    const auto length = static_cast<unsigned>(input.prefix_length);
    if (auto problem = derive_input_problem(*iid, length))
        return fail(AccountError::BadInput, *problem);
    return auth::Derivation{*from, *iid, length};
}

}  // namespace

AccountResult<auth::UserHost> AccountService::derive_host(std::int64_t account_id,
                                                          std::string_view name,
                                                          const std::optional<DeriveInput>& input) {
    auto found = host(account_id, name);
    if (!found) return found;
    if (!input) {
        if (!d_.store.set_host_derived(account_id, found->id, std::nullopt))
            return fail(AccountError::NotFound, "no such host");
        d_.log.info("account: host " + found->name.str() + " no longer derived");
        return host(account_id, name);
    }
    auto derivation = parse_derivation(*input);
    if (!derivation) return Unexpected{derivation.error()};
    const auto user = d_.store.account_by_id(account_id);
    if (!user) return fail(AccountError::NotFound, "no such host");
    const auto principal = d_.principals.load_principal(user->account.username, "");
    if (!principal) return fail(AccountError::NotFound, "no such host");
    const auth::Host* self = find_host(principal->hosts, found->name);
    const auth::Host* router = find_host(principal->hosts, derivation->from);
    if (!self) return fail(AccountError::NotFound, "no such host");
    if (!router)
        return fail(AccountError::NotFound, derivation->from.str() + ": no such host of yours");
    if (auto refusal = derive_refusal(principal->hosts, *self, *router))
        return fail(AccountError::NotDerivable, to_sentence(*refusal, router->name));
    // BIND first: the derivation is recorded only once the AAAA it gives is there (its A set is
    // its own and stays).
    const auto written = write_derived_aaaa(d_.updates, *self, *router, *derivation, d_.clock());
    if (auto applied = apply_failure(written); !applied) return Unexpected{applied.error()};
    if (!d_.store.set_host_derived(account_id, found->id, *derivation))
        return fail(AccountError::NotDerivable,
                    "the hosts changed meanwhile; " + found->name.str() + " is not derived");
    d_.log.info("account: host " + found->name.str() + " derived from " + router->name.str());
    return host(account_id, name);
}

}  // namespace ddns::gateway
