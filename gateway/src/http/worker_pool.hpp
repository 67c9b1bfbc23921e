// Private: the request threads. A fixed number of threads take tasks from a bounded queue; a task
// that finds every thread busy and the queue full is refused at once (the caller answers 503).
// The threads run under SCHED_BATCH: woken, they do not preempt their waker (design.md, "Request
// threads do not preempt").
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ddns::gateway {

class WorkerPool {
public:
    WorkerPool(std::size_t threads, std::size_t max_queued);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;
    // False, and `task` dropped, when every thread is busy and `max_queued` tasks wait.
    bool submit(std::function<void()> task);
    // Runs the tasks already started to their end, drops the waiting ones, joins the threads.
    void stop();
    // Threads running a task now (for /metrics).
    std::size_t busy();

private:
    void work();
    std::size_t threads_;
    std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace ddns::gateway
