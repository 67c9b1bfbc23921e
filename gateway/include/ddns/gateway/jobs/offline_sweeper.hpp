// The offline sweeper: a background thread of `serve` that takes hosts offline when their
// heartbeat timeout passed or their account expired. Each pass locks due hosts per zone with
// FOR UPDATE SKIP LOCKED (several gateway instances on one database sweep each host once),
// re-checks them under the lock, sends one UPDATE per zone with prerequisites (BIND is only
// changed if it still holds the addresses being removed), and records the offline state only
// after BIND acknowledged. A failed host stays due and is tried again on the next pass.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "ddns/auth/lifecycle.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/jobs/stop_signal.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

struct SweeperOptions {
    std::chrono::seconds interval{30};  // sweep.interval: time between passes
    std::size_t batch_size = 500;       // sweep.batch_size: hosts per transaction
};

struct SweepReport {
    std::size_t taken_offline = 0;  // recorded offline in this pass
    std::size_t failed = 0;         // left due: BIND failed, disagreed, or the database failed
};

// Totals since start, for /metrics.
struct SweeperCounters {
    std::atomic<std::uint64_t> passes{0};
    std::atomic<std::uint64_t> taken_offline{0};
    std::atomic<std::uint64_t> failed{0};
};

class OfflineSweeper {
public:
    // `clock` decides what is due (tests move it); TSIG signing in `sender` keeps real time.
    OfflineSweeper(UpdateSender& sender, auth::LifecycleStore& store, const Logger& log,
                   std::function<auth::TimePoint()> clock, SweeperOptions options);
    ~OfflineSweeper();  // stop()
    OfflineSweeper(const OfflineSweeper&) = delete;
    OfflineSweeper& operator=(const OfflineSweeper&) = delete;

    // One pass over every zone with due hosts. Never throws: database failures are logged and
    // the hosts stay due.
    SweepReport sweep_once();
    const SweeperCounters& counters() const noexcept { return counters_; }
    // True from start() until the first pass ended, during a pass that found due hosts, and
    // between passes while they take hosts offline (the next follows within a second): what the
    // reconciler waits for before a full pass (Reconciler::defer_full_pass_while).
    bool busy() const noexcept { return busy_.load(std::memory_order_relaxed); }

    // Runs sweep_once() now and then every `interval` on a background thread, until stop().
    void start();
    // Wakes the thread, lets it finish the batch in hand, and joins it. Idempotent.
    void stop();

private:
    SweepReport sweep_zone(std::int64_t zone_id, auth::TimePoint now);
    // Takes the batch's due hosts offline (run_zone_batch: a lost reply or an unknown commit
    // marks hosts in doubt); hosts not taken offline stay due for the next pass. Releases
    // `batch`.
    void sweep_batch(std::unique_ptr<auth::SweepBatch> batch, auth::TimePoint now,
                     SweepReport& report);
    UpdateResult send(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts);
    UpdateResult send_restore(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts);
    bool stopping();

    UpdateSender& sender_;
    auth::LifecycleStore& store_;
    const Logger& log_;
    std::function<auth::TimePoint()> clock_;
    SweeperOptions options_;
    StopSignal stop_;
    SweeperCounters counters_;
    std::atomic<bool> busy_{false};
    std::thread thread_;
};

}  // namespace ddns::gateway
