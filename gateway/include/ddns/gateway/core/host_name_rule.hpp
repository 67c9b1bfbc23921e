// Which names may become hosts. A host's account rewrites the name's A and AAAA at will, so a host
// may only be a name nobody else uses: never the zone apex (its SOA and NS are the zone's own), and
// never a name that already holds records in BIND (a name server's address, a mail exchanger),
// unless the operator says so knowingly.
#pragma once

#include <optional>

#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/update_client.hpp"
#include "ddns/nsupdate/update_message.hpp"

namespace ddns::gateway {

enum class HostNameVerdict {
    Allowed,
    ZoneApex,    // refused, override or not
    InUse,       // BIND holds records at the name (YXDOMAIN to the probe)
    Unverified,  // BIND could not be asked (timeout, refused, bad TSIG, ...)
};

// The UPDATE that asks BIND whether `name` holds records: the single prerequisite "name is not
// in use" (RFC 2136 §2.4.5) and no operation, so it changes nothing and no update-policy applies
// to it. BIND answers NOERROR when the name holds no RRset of any type, YXDOMAIN when it does.
UpdateRequest name_unused_probe(const DnsName& zone, const DnsName& name);

// May `name` of `zone` become a host? `probe` is BIND's answer to name_unused_probe(); it is not
// needed (and may be absent) for the apex or when `allow_existing` is set: the operator's
// explicit override takes a name that exists in BIND, never the apex.
HostNameVerdict host_name_verdict(const DnsName& zone, const DnsName& name,
                                  const std::optional<UpdateResult>& probe, bool allow_existing);

// True when the verdict needs BIND's answer to name_unused_probe() first.
bool host_name_needs_probe(const DnsName& zone, const DnsName& name, bool allow_existing);

}  // namespace ddns::gateway
