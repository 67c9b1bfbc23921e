#include "ddns/gateway/core/acme_challenges.hpp"

#include <algorithm>
#include <vector>

namespace ddns::gateway {
namespace {

constexpr std::string_view kChallengeLabel = "_acme-challenge";
constexpr std::size_t kValueLength = 43;

ChallengeOutcome outcome_of(RecordOutcome outcome) {
    switch (outcome) {
        case RecordOutcome::Added:
        case RecordOutcome::Removed:
        case RecordOutcome::AlreadyExists:
        case RecordOutcome::NotFound:
            return ChallengeOutcome::Done;
        case RecordOutcome::DnsFailed:
            return ChallengeOutcome::DnsFailed;
        case RecordOutcome::StoreFailed:
            return ChallengeOutcome::StoreFailed;
        case RecordOutcome::CnameConflict:
        case RecordOutcome::NameTaken:
        case RecordOutcome::OutsideZone:
        case RecordOutcome::TargetWithoutAddress:
            return ChallengeOutcome::Refused;
    }
    return ChallengeOutcome::Refused;
}

TxtData txt(std::string_view value) {
    return TxtData{{std::string(value)}};
}

}  // namespace

bool valid_challenge_value(std::string_view value) noexcept {
    if (value.size() != kValueLength) return false;
    return std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

std::optional<DnsName> challenge_name(const DnsName& host) {
    return host.prepend(kChallengeLabel);
}

std::optional<DnsName> challenge_host(const DnsName& name) {
    const auto labels = name.labels();
    if (labels.size() < 2 || labels.front() != kChallengeLabel) return std::nullopt;
    return DnsName::parse(name.str().substr(kChallengeLabel.size() + 1));
}

ChallengeOutcome AcmeChallenges::present(const auth::Host& host, std::string_view value) {
    const auth::Zone& zone = *host.zone;
    const auto name = challenge_name(host.name);
    if (!name || !valid_challenge_value(value)) return ChallengeOutcome::Refused;

    // The values there now, oldest (lowest id) first. Read without holding the zone's lock
    // afterwards: two clients presenting at the very same moment may leave a third value until
    // the next present.
    std::vector<auth::StoredRecord> here;
    {
        auto change = store_.begin_record_change(zone.id);
        for (auto& stored : change->records_at(*name))
            if (stored.record.type() == RecordType::TXT) here.push_back(std::move(stored));
    }  // rolled back: only read
    std::sort(here.begin(), here.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    const TxtData wanted = txt(value);
    for (const auto& stored : here)
        if (stored.record.data() == Rdata(wanted)) return ChallengeOutcome::Done;

    for (std::size_t i = 0; i + kMaxChallengeValues <= here.size(); ++i) {
        const RecordResult removed = records_.remove(
            zone, RecordSelector{*name, RecordType::TXT, here[i].record.data(), std::nullopt});
        if (outcome_of(removed.outcome) != ChallengeOutcome::Done)
            return outcome_of(removed.outcome);
    }
    auto record = ResourceRecord::make(*name, RecordType::TXT, zone.default_ttl, wanted);
    if (!record) return ChallengeOutcome::Refused;
    return outcome_of(records_.add(zone, *record).outcome);
}

ChallengeOutcome AcmeChallenges::cleanup(const auth::Host& host, std::string_view value) {
    const auto name = challenge_name(host.name);
    if (!name || !valid_challenge_value(value)) return ChallengeOutcome::Refused;
    return outcome_of(
        records_
            .remove(*host.zone, RecordSelector{*name, RecordType::TXT, txt(value), std::nullopt})
            .outcome);
}

}  // namespace ddns::gateway
