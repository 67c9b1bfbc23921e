// The request threads' pool (a private header of the HTTP layer).
#include <gtest/gtest.h>
#include <sched.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "../../../gateway/src/http/worker_pool.hpp"

namespace ddns::gateway {
namespace {

// A woken request thread does not preempt the thread that woke it (the connection loop, or the
// request finishing a message that wakes the requests it carried): docs/design.md, "Request
// threads do not preempt".
// Where the kernel or a sandbox refuses the policy to a thread, the threads keep the default.
TEST(WorkerPoolTest, RequestThreadsRunUnderTheBatchPolicy) {
    int allowed = -2;
    std::thread([&] {
        const sched_param none{};
        allowed = ::sched_setscheduler(0, SCHED_BATCH, &none);
    }).join();
    WorkerPool pool(2, 4);
    std::mutex m;
    std::condition_variable cv;
    int policy = -2;
    ASSERT_TRUE(pool.submit([&] {
        const std::lock_guard lock(m);
        policy = ::sched_getscheduler(0);
        cv.notify_all();
    }));
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return policy != -2; }));
    EXPECT_EQ(policy, allowed == 0 ? SCHED_BATCH : SCHED_OTHER);
}

}  // namespace
}  // namespace ddns::gateway
