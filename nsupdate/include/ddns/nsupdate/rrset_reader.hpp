// Reading what an authoritative server holds: at one name and type (a TSIG-signed query over TCP
// whose reply must carry a valid TSIG from the same key), or the whole zone (a TSIG-signed AXFR,
// every message of the transfer verified). The reconciler uses them to see BIND's side of a
// host before it repairs or settles it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "ddns/nsupdate/record.hpp"
#include "ddns/nsupdate/tsig_key.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns {

struct RRsetRead {
    // Success (the records below are the whole RRset; empty when the name or the RRset does not
    // exist), or why nothing can be said about the RRset (timeout, bad or unsigned reply, ...).
    UpdateResult result;
    std::vector<ResourceRecord> records;
    bool ok() const noexcept { return result.ok(); }
};

struct ZoneRead {
    // Success (the records below are every RR of the zone of a type the gateway writes: A, AAAA,
    // CNAME, MX, NS, TXT; SOA and other types are left out), or why the transfer cannot be
    // trusted (refused, timeout, a message whose TSIG does not verify, cut short, ...).
    UpdateResult result;
    std::vector<ResourceRecord> records;
    std::size_t messages = 0;  // DNS messages the transfer took
    bool ok() const { return result.ok(); }
};

// The query seam: the reconciler talks to this interface; tests may substitute a fake.
class RRsetReader {
public:
    virtual ~RRsetReader() = default;
    virtual RRsetRead read(const DnsName& owner, RecordType type, const TsigKey& key,
                           const ServerEndpoint& server) = 0;
    // The whole zone in one transfer. Readers without one say NotImp; the reconciler then reads
    // host by host.
    virtual ZoneRead transfer(const DnsName& zone, const TsigKey& key,
                              const ServerEndpoint& server) {
        (void)zone, (void)key, (void)server;
        return {{UpdateStatus::NotImp, "zone transfer not available"}, {}, 0};
    }
};

struct QueryClientOptions {
    std::chrono::milliseconds timeout{2000};  // one query
    std::uint16_t fudge = 300;
    std::function<std::uint64_t()> clock;               // seconds since the epoch, for TSIG
    std::chrono::milliseconds transfer_timeout{60000};  // a whole zone transfer
    std::size_t max_transfer_records = 2'000'000;       // a larger zone is not read
};

// Real transport. TCP, so a large RRset is never truncated. Records of the answer section at
// other names or types (a CNAME chain) are not part of the RRset; an RR whose rdata cannot be
// represented is left out, which makes a repair's prerequisite fail rather than succeed wrongly.
class QueryClient final : public RRsetReader {
public:
    explicit QueryClient(QueryClientOptions options = {});
    RRsetRead read(const DnsName& owner, RecordType type, const TsigKey& key,
                   const ServerEndpoint& server) override;
    // AXFR over TCP (zone_transfer.cpp): needs `allow-transfer { key K; }` for the zone in BIND.
    ZoneRead transfer(const DnsName& zone, const TsigKey& key,
                      const ServerEndpoint& server) override;

private:
    QueryClientOptions options_;
};

}  // namespace ddns
