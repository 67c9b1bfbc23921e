// Shared helpers of the admin handlers: name and number parsing, table printing, password
// input, and clearing a host in BIND.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/gateway/cli/admin_handlers.hpp"
#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/record.hpp"
#include "ddns/nsupdate/secret.hpp"
#include "ddns/nsupdate/update_client.hpp"
#include "ddns/sql/admin_repository.hpp"

namespace ddns::gateway {

// The largest TTL the admin commands accept.
inline constexpr std::uint32_t kMaxTtl = 86400;

// The i-th positional word; UsageError naming `what` when it is missing.
const std::string& arg(const Args& a, std::size_t i, const char* what);
DnsName need_name(const std::string& text, const char* what);
std::string format_time(const std::optional<auth::TimePoint>& t);
std::string opt_ip(const std::optional<IpAddress>& ip);
// A decimal number 0..max (digits only).
std::optional<std::uint32_t> parse_number(const std::string& text, std::uint32_t max);
// The DATA words of `record add/remove` as rdata of `type`.
Expected<Rdata, std::string> parse_rdata(RecordType type, const std::vector<std::string>& words);
std::string opt_duration(const std::optional<std::chrono::seconds>& d);
std::string host_heartbeat_text(const sql::HostSummary& h);
std::string host_offline_action_text(const sql::HostSummary& h);
std::string offline_state_text(const sql::HostSummary& h);
std::string host_state_text(const sql::HostSummary& h);
// Rows padded to the widest cell of each column (the last column is not padded).
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);
std::string families(bool ipv4, bool ipv6);
// Reads one line (the password) from `in`; with a terminal, echo is switched off.
Secret read_password(std::istream& in, std::ostream& err);
// Reads a TSIG key file (tsig-keygen format); the error names the file, never the secret.
Expected<TsigKey, std::string> read_key_file(const std::string& path);
// The probe UPDATE of zone add, update and check: deletes the TXT RRset of
// `_ddns-gateway-probe.ZONE`, which does not exist, so nothing changes; but BIND checks it
// against the zone's update-policy (an UPDATE with prerequisites only would pass any policy),
// so success proves the server is reachable, authoritative for the zone and grants the key.
UpdateResult probe_zone(UpdateSender& dns, const DnsName& zone, const TsigKey& key,
                        const ServerEndpoint& server);
// Deletes a host's address records in BIND. Returns an error text, or empty on success.
std::string clear_host_in_dns(sql::AdminRepository& repo, const sql::HostSummary& host,
                              UpdateSender& dns);

}  // namespace ddns::gateway
