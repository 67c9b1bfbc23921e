#include "ddns/gateway/core/zone_batch.hpp"

namespace ddns::gateway {

bool retry_singly(UpdateStatus status) {
    switch (status) {
        case UpdateStatus::NxRrset:  // a prerequisite of one host failed
        case UpdateStatus::YxRrset:
        case UpdateStatus::NxDomain:
        case UpdateStatus::YxDomain:
        case UpdateStatus::Refused:
        case UpdateStatus::NotZone:
        case UpdateStatus::FormErr:
        case UpdateStatus::ServFail:
        case UpdateStatus::EncodeError:
            return true;
        default:
            return false;
    }
}

bool outcome_unknown(UpdateStatus status) {
    return status == UpdateStatus::Timeout || status == UpdateStatus::BadReply;
}

BatchSendResult send_split(
    const std::vector<const auth::Host*>& hosts,
    const std::function<UpdateResult(const std::vector<const auth::Host*>&)>& send) {
    BatchSendResult out;
    if (hosts.empty()) return out;
    const UpdateResult whole = send(hosts);
    if (whole.ok()) {
        out.applied = hosts;
    } else if (hosts.size() > 1 && retry_singly(whole.status)) {
        for (const auth::Host* h : hosts) {
            UpdateResult one = send({h});
            if (one.ok())
                out.applied.push_back(h);
            else
                out.failed.emplace(h->id, std::move(one));
        }
    } else {
        for (const auth::Host* h : hosts) out.failed.emplace(h->id, whole);
    }
    return out;
}

CommitOutcome record_batch(const std::function<void()>& record, std::string& what) {
    try {
        record();
        return CommitOutcome::Committed;
    } catch (const auth::CommitUnknown& e) {
        what = e.what();
        return CommitOutcome::Unknown;
    } catch (const auth::StoreError& e) {
        what = e.what();
        return CommitOutcome::Failed;
    }
}

}  // namespace ddns::gateway
