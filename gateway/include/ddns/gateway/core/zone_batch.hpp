// The one sequence every batched change to one zone runs (update service, offline sweeper, record
// service): send the message, split it on a refusal by the shared rule, record what BIND
// acknowledged, and then either keep DNS (committed), compensate with a guarded UPDATE (the
// commit certainly failed), or mark the changes in doubt (the commit's or BIND's outcome is
// unknown). See docs/design.md, "Batched updates".
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/store.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

// The one rule: failures one change of a message may cause (a refusal, a failed prerequisite),
// so that sending each change alone can save the others. Transport and key failures are the same
// for every change; retrying singly would only multiply the load on a sick server.
bool retry_singly(UpdateStatus status);

// Failures after which BIND may have applied the message although nobody heard it say so (the
// reply was lost or could not be verified): the changes are in doubt, not certainly not made.
bool outcome_unknown(UpdateStatus status);

// A batch's changes are named by ids of the caller's choosing (host ids, or one id per record
// change); ids are unique within a batch.
struct BatchSendResult {
    std::vector<std::int64_t> applied;            // BIND acknowledged these, in batch order
    std::map<std::int64_t, UpdateResult> failed;  // id -> why not
};

using SendChanges = std::function<UpdateResult(const std::vector<std::int64_t>& ids)>;

// Sends `ids` in one message built by `send`; when BIND refuses it by retry_singly(), sends each
// change alone so that one bad change cannot fail the others. A message that cannot be encoded
// (EncodeError: over 64 KiB, or a bad change) was never sent: its two halves are sent instead,
// each split again as needed, so a large batch goes in as few messages as fit.
BatchSendResult send_split(const std::vector<std::int64_t>& ids, const SendChanges& send);

// Sends `ids` in one message built by `send`, or, when it cannot be encoded (over 64 KiB), in
// halves, halved again as needed; the first failure of a part, else success. For messages that
// must not be split further by refusals (the compensation: one guarded undo).
UpdateResult send_in_parts(const std::vector<std::int64_t>& ids, const SendChanges& send);

// How recording a batch in the database ended.
enum class CommitOutcome {
    Committed,
    Failed,   // certainly not committed: DNS may be compensated
    Unknown,  // connection lost during COMMIT: DNS is kept, the changes are marked in doubt
};

// Runs `record` (the writes and the commit); a thrown auth::CommitUnknown is Unknown, any other
// auth::StoreError is Failed. `what` receives the error text.
CommitOutcome record_batch(const std::function<void()>& record, std::string& what);

// What a batched change supplies; run_zone_batch() calls the steps in the one order.
struct ZoneBatchSteps {
    // Builds and sends one message for `ids` (the whole batch, or one change after a refusal).
    SendChanges send;
    // Writes what BIND acknowledged (never a change in `sent.failed`) and commits; throws
    // auth::StoreError, or auth::CommitUnknown when the commit's outcome is unknown.
    std::function<void(const BatchSendResult& sent)> record;
    // Gives the change's database connection back (the steps below may need one of their own).
    std::function<void()> release;
    // Builds and sends the compensating message for `applied` after a failed commit (in parts
    // by send_in_parts() when it would exceed 64 KiB). It must carry prerequisites (BIND still
    // holds exactly what the batch wrote), so that it can never overwrite a newer change another
    // instance made meanwhile.
    SendChanges compensate;
    // Marks `ids` in doubt for the reconciler, in a short transaction of its own; may throw
    // auth::StoreError (logged: the mark is best effort).
    std::function<void(const std::vector<std::int64_t>& ids)> mark_in_doubt;
};

struct ZoneBatchResult {
    BatchSendResult sent;
    CommitOutcome outcome = CommitOutcome::Committed;
    std::string what;                      // the database's error when not committed
    std::vector<std::int64_t> in_doubt;    // marked (or tried): applied with a commit that did
                                           // not succeed (compensated after a failed one), and
                                           // failed with an unknown BIND outcome
    std::optional<UpdateResult> rollback;  // the compensation's result, when one was sent
};

// Send (split by retry_singly()), record, release; then, after a failed commit, compensate what
// BIND applied (never after an unknown one: the database may hold it), and mark in doubt every
// change whose outcome is unknown (outcome_unknown() from BIND, or the commit's) and every
// compensated one: the compensation's prerequisite cannot tell this batch's write from the same
// value written meanwhile by another instance, which read the rolled-back row once the failed
// transaction freed it; the mark has the in-doubt pass compare such a host within seconds.
// `context` names the batch in log lines ("offline sweep of zone example.org").
ZoneBatchResult run_zone_batch(const std::vector<std::int64_t>& ids, const ZoneBatchSteps& steps,
                               const Logger& log, std::string_view context);

}  // namespace ddns::gateway
