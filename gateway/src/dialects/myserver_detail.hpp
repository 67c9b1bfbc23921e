// Helpers the MyServer files share (myserver_wire.cpp, myserver_targets.cpp,
// myserver_audit.cpp, myserver_dialect.cpp); not part of the gateway's interface.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/record.hpp"

namespace ddns::gateway::myserver {

// "MX n" as the client spells it; everything else by its mnemonic.
std::string type_text(const MyServerType& type);
// DATA of a listing: addresses as text, names without the trailing dot (as users type them).
std::string data_text(const Rdata& data);

// True when Host names a full name (has a dot) rather than a label or "@".
bool is_full_name(std::string_view host);
// The owned zone a domain account's request is about: the one Domain names, else the one that
// contains a full-name Host, else the only one.
Expected<const auth::Zone*, MyServerCode> pick_zone(const auth::Principal& principal,
                                                    std::string_view domain, std::string_view host);
// The host a free account's request is about: Host as label or full name (within Domain when
// given), or the account's only host when Host is absent.
Expected<const auth::Host*, MyServerCode> pick_host(const auth::Principal& principal,
                                                    std::string_view host, std::string_view domain);
std::optional<IpAddress> parse_ipv4(std::string_view text);
// IP/Data of a domain account's record: an IPv4 address for A, a name (trailing dot optional,
// always absolute) for CNAME, NS and MX.
Expected<Rdata, MyServerCode> parse_rdata(const MyServerType& type, std::string_view value);
// The type a request names (A when absent), if the plan allows it.
std::optional<MyServerType> requested_type(const MyServerParams& params, auth::Plan plan);
void list_host_addresses(const auth::Host& host, const std::optional<DnsName>& zone,
                         std::vector<MyServerListedRecord>& out);
// Sorts records[from..] by owner name, keeping the store's type/data order within a name.
void sort_by_owner(std::vector<MyServerListedRecord>& records, std::size_t from);

// The FXN for the log line, lower case; "-" when absent or unknown.
std::string_view command_name(const std::optional<MyServerCommand>& command);
// The update-log entry of a record operation: no host row, the owner name, and "TYPE[ DATA]"
// as the detail (data only when it parses, so no raw client text reaches the log).
auth::AuditHost audit_record(const DnsName& owner, const MyServerType& type,
                             std::string_view value);
// The code of a record operation's result; a DNS failure also goes into the entry's detail.
MyServerCode audit_result(const RecordResult& result, auth::AuditHost& entry);

}  // namespace ddns::gateway::myserver
