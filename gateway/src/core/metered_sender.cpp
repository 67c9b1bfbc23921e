#include "ddns/gateway/core/metered_sender.hpp"

#include <chrono>
#include <string>

namespace ddns::gateway {

bool is_tsig_failure(UpdateStatus status) noexcept {
    return status == UpdateStatus::BadSig || status == UpdateStatus::BadKey ||
           status == UpdateStatus::BadTime || status == UpdateStatus::BadReply;
}

MeteredSender::MeteredSender(UpdateSender& inner, Metrics& metrics)
    : inner_(inner),
      duration_(metrics.histograms("ddns_dns_update_duration_seconds",
                                   "Time from sending an RFC 2136 UPDATE to its verified answer "
                                   "(or the timeout), per zone.",
                                   {"zone"}, latency_buckets(), 1000)),
      results_(metrics.counters("ddns_dns_updates",
                                "RFC 2136 UPDATE messages sent, by zone and outcome (success, "
                                "refused, notauth, timeout, ...).",
                                {"zone", "rcode"}, 5000)),
      tsig_failures_(metrics.counters("ddns_dns_tsig_failures",
                                      "UPDATEs whose TSIG exchange failed (BADSIG, BADKEY, "
                                      "BADTIME, or an unverifiable reply), per zone.",
                                      {"zone"}, 1000)),
      changes_(metrics.histogram("ddns_dns_update_changes",
                                 "Operations per UPDATE message (several requests coalesced into "
                                 "one message show as more operations).",
                                 {1, 2, 4, 8, 16, 32, 64, 128, 256})),
      in_flight_(metrics.gauges("ddns_dns_updates_in_flight",
                                "UPDATE messages waiting for their answer, per BIND server.",
                                {"server"}, 1000)) {}

UpdateResult MeteredSender::send(const UpdateRequest& request, const TsigKey& key,
                                 const ServerEndpoint& server) {
    const std::string zone = request.zone.str();
    changes_.observe(static_cast<double>(request.operations.size()));
    const auto start = std::chrono::steady_clock::now();
    UpdateResult result;
    {
        GaugeScope in_flight(in_flight_.with({server.to_string()}));
        result = inner_.send(request, key, server);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    duration_.with({zone}).observe(took.count());
    results_.with({zone, std::string(to_string(result.status))}).inc();
    if (is_tsig_failure(result.status)) tsig_failures_.with({zone}).inc();
    return result;
}

}  // namespace ddns::gateway
