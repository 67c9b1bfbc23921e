// Serving a request on the thread that read it (the HTTP connection loop): inside a
// NonBlockingScope, every place that would wait for something slow (PostgreSQL, an argon2 run,
// BIND, a lock held across I/O) calls blocking_point() first, which throws WouldBlock; the loop
// then hands the same request to a worker, which serves it as usual. The rule that makes the
// retry safe: a step that may block decides so before it changes anything (a counter, a row,
// the throttle, the update log), so an attempt that threw left no trace. See docs/design.md,
// "HTTP framing and hostile input".
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace ddns::auth {

// Not a std::exception on purpose: the one catch per request (`run_steps`, serve_exchange) must
// not turn it into a server error; only the connection loop's inline attempt catches it.
struct WouldBlock {};

namespace detail {
inline thread_local bool non_blocking = false;
// The effects the current attempt keeps back (NonBlockingScope::effects_), if any.
inline thread_local std::vector<std::function<void()>>* deferred = nullptr;
}  // namespace detail

// True while the calling thread must not wait (inside a NonBlockingScope).
inline bool must_not_block() noexcept {
    return detail::non_blocking;
}

// Throws WouldBlock when the calling thread must not wait; else nothing.
inline void blocking_point() {
    if (detail::non_blocking) throw WouldBlock{};
}

// An effect that only an attempt which went through may have (a counter of what a lookup
// found, where the retry looks again): inside a NonBlockingScope it waits for the scope's
// done() and is dropped when the attempt gives up; elsewhere it happens now.
inline void when_done(std::function<void()> effect) {
    if (detail::deferred != nullptr)
        detail::deferred->push_back(std::move(effect));
    else
        effect();
}

// Marks the calling thread as one that must not wait, for the scope's lifetime.
class NonBlockingScope {
public:
    NonBlockingScope() noexcept : previous_(detail::non_blocking), outer_(detail::deferred) {
        detail::non_blocking = true;
        detail::deferred = &effects_;
    }
    ~NonBlockingScope() {
        detail::non_blocking = previous_;
        detail::deferred = outer_;
    }
    NonBlockingScope(const NonBlockingScope&) = delete;
    NonBlockingScope& operator=(const NonBlockingScope&) = delete;
    // The attempt went through: what it kept back (when_done) happens now.
    void done() {
        detail::deferred = outer_;
        for (auto& effect : effects_) when_done(std::move(effect));
        effects_.clear();
        detail::deferred = &effects_;
    }

private:
    bool previous_;
    std::vector<std::function<void()>>* outer_;
    std::vector<std::function<void()>> effects_;
};

}  // namespace ddns::auth
