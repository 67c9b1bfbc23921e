// The benchmark's own DNS side: one address change per TSIG-signed UPDATE message straight to
// named (what BIND does without the gateway, through the project's ldns-based UpdateClient),
// bulk loading of records, and counting a zone's A records by zone transfer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ddns/nsupdate/tsig_key.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::bench {

class DnsLoad {
public:
    DnsLoad(std::uint16_t port, const std::filesystem::path& key_file);
    // One UPDATE: delete NAME's A RRset, add NAME A ADDRESS. True when named answered NOERROR
    // with a valid signature.
    bool change(const std::string& zone, const std::string& name, const std::string& address);
    // Adds NAME A ADDRESS for every pair, `per_message` records per UPDATE, from `threads`
    // threads. Returns the number of messages named refused or did not answer.
    std::size_t add_all(const std::string& zone,
                        const std::vector<std::pair<std::string, std::string>>& records,
                        std::size_t per_message, int threads);
    // A records in the zone, by an AXFR with dig; -1 when the transfer failed.
    long count_a(const std::string& zone) const;

private:
    std::uint16_t port_;
    std::filesystem::path key_file_;
    TsigKey key_;
    ServerEndpoint server_;
};

}  // namespace ddns::bench
