// Counts every RFC 2136 UPDATE the gateway sends, whoever sends it (the update service, the record
// service, the sweeper, the reconciler's repairs): one decorator around the real transport.
// Labels are the zone and the server, both set by the operator, never by a client.
#pragma once

#include "ddns/gateway/base/metrics.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

class MeteredSender final : public UpdateSender {
public:
    // Registers its metrics in `metrics` (ddns_dns_update_*).
    MeteredSender(UpdateSender& inner, Metrics& metrics);
    UpdateResult send(const UpdateRequest& request, const TsigKey& key,
                      const ServerEndpoint& server) override;

private:
    UpdateSender& inner_;
    Family<Histogram>& duration_;
    Family<Counter>& results_;
    Family<Counter>& tsig_failures_;
    Histogram& changes_;
    Family<Gauge>& in_flight_;
};

// Whether an UPDATE's outcome says the TSIG exchange failed (BADSIG, BADKEY, BADTIME from the
// server, or a reply whose own signature did not verify).
bool is_tsig_failure(UpdateStatus status) noexcept;

}  // namespace ddns::gateway
