// Reading what an authoritative server holds at one name and type: a TSIG-signed query over TCP
// whose reply must carry a valid TSIG from the same key. The reconciler uses it to see BIND's
// side of a host before it repairs or settles it.
#pragma once

#include <chrono>
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

// The query seam: the reconciler talks to this interface; tests may substitute a fake.
class RRsetReader {
public:
    virtual ~RRsetReader() = default;
    virtual RRsetRead read(const DnsName& owner, RecordType type, const TsigKey& key,
                           const ServerEndpoint& server) = 0;
};

struct QueryClientOptions {
    std::chrono::milliseconds timeout{2000};
    std::uint16_t fudge = 300;
    std::function<std::uint64_t()> clock;  // seconds since the epoch, for TSIG
};

// Real transport. TCP, so a large RRset is never truncated. Records of the answer section at
// other names or types (a CNAME chain) are not part of the RRset; an RR whose rdata cannot be
// represented is left out, which makes a repair's prerequisite fail rather than succeed wrongly.
class QueryClient final : public RRsetReader {
public:
    explicit QueryClient(QueryClientOptions options = {});
    RRsetRead read(const DnsName& owner, RecordType type, const TsigKey& key,
                   const ServerEndpoint& server) override;

private:
    QueryClientOptions options_;
};

}  // namespace ddns
