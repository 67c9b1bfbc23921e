// The update-log side of MyServer: whose fault an answer is, and the note of a request.
#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "myserver_detail.hpp"

namespace ddns::gateway {
namespace myserver {
namespace {

MyServerCode code_of(RecordOutcome outcome) {
    switch (outcome) {
        case RecordOutcome::Added:
            return MyServerCode::AddSuccess;
        case RecordOutcome::Removed:
            return MyServerCode::DeleteSuccess;
        case RecordOutcome::AlreadyExists:
            return MyServerCode::RecordAlreadyExists;
        case RecordOutcome::NotFound:
            return MyServerCode::RecordNotFound;
        case RecordOutcome::CnameConflict:
            return MyServerCode::CnameConflict;
        case RecordOutcome::TargetWithoutAddress:
            return MyServerCode::InvalidData;
        case RecordOutcome::NameTaken:
        case RecordOutcome::OutsideZone:
            return MyServerCode::PermissionDenied;
        case RecordOutcome::DnsFailed:
        case RecordOutcome::StoreFailed:
            return MyServerCode::ServerError;
    }
    return MyServerCode::ServerError;
}

}  // namespace

std::string_view command_name(const std::optional<MyServerCommand>& command) {
    if (!command) return "-";
    switch (*command) {
        case MyServerCommand::GetIpAddress:
            return "getipaddress";
        case MyServerCommand::Login:
            return "login";
        case MyServerCommand::Add:
            return "add";
        case MyServerCommand::Delete:
            return "delete";
    }
    return "-";
}

auth::AuditHost audit_record(const DnsName& owner, const MyServerType& type,
                             std::string_view value) {
    auth::AuditHost entry;
    entry.name = owner.str();
    entry.detail = type_text(type) + " record";
    if (!value.empty())
        if (const auto data = parse_rdata(type, value)) entry.detail += " " + data_text(*data);
    return entry;
}

MyServerCode audit_result(const RecordResult& result, auth::AuditHost& entry) {
    if (result.outcome == RecordOutcome::DnsFailed)
        entry.detail += ": DNS update failed: " + std::string(to_string(result.dns_status));
    return code_of(result.outcome);
}

}  // namespace myserver

using myserver::is_full_name;

auth::FaultClass myserver_fault(MyServerCode code) noexcept {
    switch (code) {
        case MyServerCode::IpAddress:
        case MyServerCode::LoginSuccess:
        case MyServerCode::AddSuccess:
        case MyServerCode::DeleteSuccess:
            return auth::FaultClass::None;
        case MyServerCode::InvalidPassword:
        case MyServerCode::AccountExpired:
        case MyServerCode::AccountDisabled:
            return auth::FaultClass::Auth;
        case MyServerCode::ServerError:
            return auth::FaultClass::Server;
        case MyServerCode::InvalidUsername:
        case MyServerCode::InvalidCommand:
        case MyServerCode::InvalidIpAddress:
        case MyServerCode::InvalidRecordType:
        case MyServerCode::InvalidHost:
        case MyServerCode::InvalidData:
        case MyServerCode::InvalidDomain:
        case MyServerCode::RecordNotFound:
        case MyServerCode::RecordAlreadyExists:
        case MyServerCode::CnameConflict:
        case MyServerCode::PermissionDenied:
        case MyServerCode::TooManyAttempts:
            return auth::FaultClass::Client;
    }
    return auth::FaultClass::Client;
}

std::optional<auth::AuditNote> myserver_audit(MyServerCode code, std::string_view word,
                                              const MyServerParams& params,
                                              const AuditFacts& facts) {
    if (params.command == MyServerCommand::GetIpAddress) return std::nullopt;
    auth::AuditNote note;
    note.dialect = "myserver";
    note.account_id = facts.account_id;
    note.username = params.user;
    auth::AuditHost entry;
    if (facts.host) {
        entry = *facts.host;
    } else if (!params.host.empty() && !is_full_name(params.host) && !params.domain.empty()) {
        entry.name = audit_name(params.host + "." + params.domain);
    } else if (params.host != "@") {
        entry.name = audit_name(params.host);
    }
    entry.outcome = audit_word(word);
    entry.fault = myserver_fault(code);
    if (code == MyServerCode::RecordAlreadyExists && facts.applied == ApplyStatus::Unchanged)
        entry.fault = auth::FaultClass::None;
    const std::string router_word = entry.outcome;
    note.hosts.push_back(std::move(entry));
    append_derived(note, facts.derived, router_word);
    return note;
}

}  // namespace ddns::gateway
