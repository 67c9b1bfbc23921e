#include "ddns/gateway/core/zone_batch.hpp"

#include <utility>

namespace ddns::gateway {
namespace {

std::string describe(const UpdateResult& result) {
    return std::string(to_string(result.status)) + (result.detail.empty() ? "" : ": ") +
           result.detail;
}

// The changes to mark in doubt after the commit ended with `outcome`: those whose outcome is
// unknown, and those compensated after a failed commit.
std::vector<std::int64_t> changes_to_mark(const std::vector<std::int64_t>& ids,
                                          const BatchSendResult& sent, CommitOutcome outcome) {
    std::vector<std::int64_t> out;
    if (outcome != CommitOutcome::Committed) out = sent.applied;  // compensated, or unknown
    for (const std::int64_t id : ids)
        if (const auto f = sent.failed.find(id);
            f != sent.failed.end() && outcome_unknown(f->second.status))
            out.push_back(id);
    return out;
}

}  // namespace

bool retry_singly(UpdateStatus status) {
    switch (status) {
        case UpdateStatus::NxRrset:  // a prerequisite of one change failed
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

BatchSendResult send_split(const std::vector<std::int64_t>& ids, const SendChanges& send) {
    BatchSendResult out;
    if (ids.empty()) return out;
    const UpdateResult whole = send(ids);
    if (whole.ok()) {
        out.applied = ids;
    } else if (ids.size() > 1 && whole.status == UpdateStatus::EncodeError) {
        // Nothing was sent (a message over 64 KiB, or a change that cannot be encoded): the
        // halves go on their own, each split further as needed, in batch order.
        const auto middle = ids.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2);
        for (const auto& half : {std::vector<std::int64_t>(ids.begin(), middle),
                                 std::vector<std::int64_t>(middle, ids.end())}) {
            BatchSendResult part = send_split(half, send);
            out.applied.insert(out.applied.end(), part.applied.begin(), part.applied.end());
            out.failed.merge(part.failed);
        }
    } else if (ids.size() > 1 && retry_singly(whole.status)) {
        for (const std::int64_t id : ids) {
            UpdateResult one = send({id});
            if (one.ok())
                out.applied.push_back(id);
            else
                out.failed.emplace(id, std::move(one));
        }
    } else {
        for (const std::int64_t id : ids) out.failed.emplace(id, whole);
    }
    return out;
}

UpdateResult send_in_parts(const std::vector<std::int64_t>& ids, const SendChanges& send) {
    UpdateResult whole = send(ids);
    if (whole.status != UpdateStatus::EncodeError || ids.size() < 2) return whole;
    const auto middle = ids.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2);
    UpdateResult first = send_in_parts(std::vector<std::int64_t>(ids.begin(), middle), send);
    UpdateResult second = send_in_parts(std::vector<std::int64_t>(middle, ids.end()), send);
    return first.ok() ? second : first;
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

ZoneBatchResult run_zone_batch(const std::vector<std::int64_t>& ids, const ZoneBatchSteps& steps,
                               const Logger& log, std::string_view context) {
    ZoneBatchResult r;
    r.sent = send_split(ids, steps.send);
    r.outcome = record_batch([&] { steps.record(r.sent); }, r.what);
    steps.release();
    const std::string where(context);
    const std::string count = std::to_string(r.sent.applied.size());
    if (r.outcome == CommitOutcome::Failed) {
        log.error(where + ": recording " + count + " change(s) failed after the DNS update: " +
                  r.what + (r.sent.applied.empty() ? "" : "; rolling DNS back"));
        if (!r.sent.applied.empty()) {
            r.rollback = send_in_parts(r.sent.applied, steps.compensate);
            if (!r.rollback->ok())
                log.error(where + ": rollback not applied (BIND changed meanwhile, or failed); " +
                          "DNS and the database disagree until the reconciler settles it: " +
                          describe(*r.rollback));
        }
    } else if (r.outcome == CommitOutcome::Unknown) {
        log.error(where + ": recording " + count +
                  " change(s) after the DNS update has an unknown outcome: " + r.what +
                  "; DNS kept, marked in doubt");
    }
    r.in_doubt = changes_to_mark(ids, r.sent, r.outcome);
    if (!r.in_doubt.empty()) {
        try {
            steps.mark_in_doubt(r.in_doubt);
        } catch (const auth::StoreError& e) {
            log.error(where + ": marking " + std::to_string(r.in_doubt.size()) +
                      " change(s) in doubt failed: " + e.what());
        }
    }
    return r;
}

}  // namespace ddns::gateway
