// MyServer-style legacy commands (protocols.md §4) for the VB6 "Dynamic DNS App":
// /dnslogin3.asp and /autoupdate/dnslogin3.asp with FXN=GetIPAddress|Login|Add|Delete.
// All wire words come from render_myserver(). Free accounts change their host's address through
// UpdateService; domain accounts manage records of the zones they own through RecordService.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/model.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/record.hpp"

namespace ddns::gateway {

enum class MyServerCommand { GetIpAddress, Login, Add, Delete };
// The FXN value, ASCII case-insensitive; nullopt for anything else.
std::optional<MyServerCommand> parse_myserver_command(std::string_view fxn);

// A record type as the client names it: "A", "CNAME", "NS", "MX n" (MX with preference n),
// and, only in listings, "AAAA" / "TXT".
struct MyServerType {
    RecordType type = RecordType::A;
    std::optional<std::uint16_t> mx_preference;  // set for MX only
    friend bool operator==(const MyServerType&, const MyServerType&) = default;
};
// Case-insensitive; "MX n" also as "MX+n" or "MXn" (n = 1..10). Only the types a client may
// manage (A, CNAME, NS, MX 1..10); nullopt for anything else.
std::optional<MyServerType> parse_myserver_type(std::string_view text);
// The types an account of `plan` may manage: free A; domain A, CNAME, MX 1..10, NS.
std::vector<MyServerType> myserver_allowed_types(auth::Plan plan);

enum class MyServerCode {
    IpAddress,  // GetIPAddress succeeded
    LoginSuccess,
    AddSuccess,
    DeleteSuccess,
    InvalidPassword,
    InvalidUsername,
    AccountExpired,
    InvalidCommand,
    InvalidIpAddress,
    InvalidRecordType,
    InvalidHost,    // Host is not a valid name, or absent where it cannot be defaulted
    InvalidData,    // Data is not a valid name for CNAME/MX/NS, or an in-zone MX target lacks an
                    // address
    InvalidDomain,  // Domain is not a valid name, or absent while several zones are owned
    RecordNotFound,
    RecordAlreadyExists,
    CnameConflict,
    PermissionDenied,
    AccountDisabled,  // rendered as Permission Denied; its own code so it counts as an auth fault
    TooManyAttempts,  // failed logins locked this address out, or a host is over its budget
    ServerError,
};

// One record of a Login listing. `zone` is what HOST is written relative to; without it HOST is
// the full name (an account with several zones that did not pick one with Domain).
struct MyServerListedRecord {
    ResourceRecord record;
    std::optional<DnsName> zone;
};

struct MyServerLogin {
    std::string username;
    auth::Plan plan = auth::Plan::Free;
    std::optional<auth::TimePoint> expires_at;
    std::vector<MyServerListedRecord> records;
};

struct MyServerReply {
    MyServerCode code = MyServerCode::ServerError;
    std::optional<IpAddress> address;    // with IpAddress
    std::optional<MyServerLogin> login;  // with LoginSuccess
    // With TooManyAttempts: how long the client should wait (a throttled login, or a host over
    // its no-change budget).
    std::chrono::seconds retry_after{0};
};

// The only place MyServer wire words are spelled. Always HTTP 200, text/plain, every line ends
// in "\r\n". Too Many Attempts carries Retry-After (at least 1 s), as /dynamic and DynamIP do.
Response render_myserver(const MyServerReply& reply);

// SQL Server's CONVERT style 100 in UTC: "Jun 11 2010 12:00AM"; day and hour are space-padded
// to two characters ("Jun  1 2010  9:05PM").
std::string format_myserver_date(auth::TimePoint time);

// The parameters of a request (names case-insensitive), trimmed; empty when absent.
struct MyServerParams {
    std::optional<MyServerCommand> command;
    std::string user;
    Secret password;
    std::string host;
    std::string type;
    std::string value;  // Data, or IP when Data is empty
    std::string domain;
};
MyServerParams parse_myserver_params(const QueryParams& query);

// The owner name `host` means in `zone`: "@" or empty is the apex, a single label lies directly
// below the zone, anything with a dot is a full name (trailing dot optional). Errors:
// InvalidHost (not a name), PermissionDenied (a full name outside the zone).
Expected<DnsName, MyServerCode> resolve_myserver_owner(std::string_view host, const DnsName& zone);

// Whose fault an answer is, for the host counters: Server Error is the server's, a wrong
// password and an expired or disabled account are auth faults, successes none, everything else
// (bad parameters, names outside the account, throttled) the client's.
auth::FaultClass myserver_fault(MyServerCode code) noexcept;

// The update-log note of a request (none for GetIPAddress: it changes nothing). One entry with
// `word` (the first line of the answer, see audit_word) about the host in `facts` once the request
// got that far, else about Host as sent (completed with Domain when it is a label). Record
// operations of a domain account have no host row: `facts.host` then holds the record's owner name
// without a host id, and its type and data in the detail. Adding a free account's address it
// already has is no fault (the app's heartbeat).
std::optional<auth::AuditNote> myserver_audit(MyServerCode code, std::string_view word,
                                              const MyServerParams& params,
                                              const AuditFacts& facts);

class MyServerDialect {
public:
    MyServerDialect(auth::Authenticator& authenticator, UpdateService& updates,
                    RecordService& records, const AddressPolicy& policy, const Logger& log,
                    std::function<auth::TimePoint()> clock);

    // A request with a method the route table lets through (GET, POST, HEAD).
    Response handle(const RequestView& request);
    // Any other method: Error:Invalid Command (protocols.md §0).
    Response refuse_method(const RequestView& request);

private:
    MyServerReply process(const RequestView& request, const MyServerParams& params,
                          AuditFacts& audit);
    Response answer(const RequestView& request, const MyServerParams& params,
                    const MyServerReply& result, const AuditFacts& audit) const;
    MyServerReply login(const auth::Principal& principal, const MyServerParams& params);
    MyServerReply change_host(const auth::Principal& principal, const MyServerParams& params,
                              const RequestView& request, AuditFacts& audit);
    MyServerReply change_zone(const auth::Principal& principal, const MyServerParams& params,
                              const RequestView& request, AuditFacts& audit);

    auth::Authenticator& authenticator_;
    UpdateService& updates_;
    RecordService& records_;
    const AddressPolicy& policy_;
    const Logger& log_;
    std::function<auth::TimePoint()> clock_;
};

}  // namespace ddns::gateway
