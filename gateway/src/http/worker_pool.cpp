#include "worker_pool.hpp"

#include <sched.h>

namespace ddns::gateway {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued)
    : threads_(threads == 0 ? 1 : threads), max_queued_(max_queued) {
    workers_.reserve(threads_);
    for (std::size_t i = 0; i < threads_; ++i) workers_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
    stop();
}

bool WorkerPool::submit(std::function<void()> task) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_) return false;
        // Tasks beyond the idle threads wait in the queue, up to its limit.
        const std::size_t waiting = queue_.size() + 1;
        if (waiting > idle_ && waiting - idle_ > max_queued_) return false;
        queue_.push_back(std::move(task));
    }
    ready_.notify_one();
    return true;
}

void WorkerPool::stop() {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty()) return;
        stopping_ = true;
        queue_.clear();
    }
    ready_.notify_all();
    for (auto& t : workers_)
        if (t.joinable()) t.join();
    workers_.clear();
}

std::size_t WorkerPool::busy() {
    const std::lock_guard lock(mutex_);
    return workers_.size() > idle_ ? workers_.size() - idle_ : 0;
}

void WorkerPool::work() {
    // A woken request thread waits its turn instead of preempting the thread that woke it: the
    // connection loop handing it a request goes on reading and writing, and the request that
    // finished a message goes on waking the others it carried (docs/design.md, "Request threads
    // do not preempt"). Linux lets any thread choose this policy for itself; where it is refused
    // (another kernel, a sandbox), the thread keeps the default.
    {
        const sched_param none{};
        ::sched_setscheduler(0, SCHED_BATCH, &none);
    }
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            ++idle_;
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            --idle_;
            if (stopping_) return;
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            task();
        } catch (...) {  // a task answers its own errors; nothing may end the thread
        }
    }
}

}  // namespace ddns::gateway
