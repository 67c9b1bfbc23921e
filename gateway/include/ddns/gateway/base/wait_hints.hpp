// Which users' last request had to wait (a change, for BIND and the database): the connection
// loop hands such a user's next request to a worker without trying it, instead of parsing it,
// checking its credential and deciding on the loop only to give up at the update (an exception
// through a dozen frames) and have a worker do it all again (issue #13: at 64 changes in flight
// the attempt cost about 40% of the gateway's instructions per change). A dialect notes
// the wait and clears it when a worker answered the user without a change, so a router whose
// address changed is back on the loop with its second unchanged update.
//
// Only a hint: a fixed table of atomics indexed by a hash of the user name, without locks. Two
// names may share a slot; the cost of a wrong hint is one request served by a worker, never a
// wrong answer (a worker serves every request correctly).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

namespace ddns::gateway {

class WaitHints {
public:
    // The user's last request waited.
    void note_wait(std::string_view user) noexcept {
        const auto [at, tag] = place(user);
        if (slots_[at].exchange(tag, std::memory_order_relaxed) == 0)
            held_.fetch_add(1, std::memory_order_relaxed);
    }
    // The user was answered without waiting (only its own hint is cleared).
    void clear(std::string_view user) noexcept {
        auto [at, tag] = place(user);
        if (slots_[at].load(std::memory_order_relaxed) == tag &&
            slots_[at].compare_exchange_strong(tag, 0, std::memory_order_relaxed))
            held_.fetch_sub(1, std::memory_order_relaxed);
    }
    // False when no user is hinted (then nobody needs to decode a name to ask: the no-change
    // path between changes pays nothing).
    bool any() const noexcept { return held_.load(std::memory_order_relaxed) > 0; }
    // The table the HTTP server consults (HttpServer::start) and the dialects fill by default.
    static WaitHints& process_wide() noexcept {
        static WaitHints hints;
        return hints;
    }
    bool expects_wait(std::string_view user) const noexcept {
        const auto [at, tag] = place(user);
        return slots_[at].load(std::memory_order_relaxed) == tag;
    }

private:
    static constexpr std::size_t kSlots = 4096;
    // The user's slot and the tag it holds there when noted (never 0, which means empty).
    static std::pair<std::size_t, std::uint64_t> place(std::string_view user) noexcept {
        const std::size_t h = std::hash<std::string_view>{}(user);
        return {h % kSlots, std::uint64_t{h} | 1U};
    }
    std::array<std::atomic<std::uint64_t>, kSlots> slots_{};
    std::atomic<std::int64_t> held_{0};  // slots holding a hint
};

}  // namespace ddns::gateway
