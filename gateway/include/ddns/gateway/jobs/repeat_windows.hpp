// The update log's merge windows (audit.merge_window_ms): the first unchanged answer of a kind
// (auth::repeat_key) opens a window and is held here; identical answers within the window only
// raise its count. A window leaves (to the writer's queue) when it expires, when anything that
// must stay a row of its own concerns the same host, account, username or host name (so no row
// spans a change or a fault), or at flush and stop. Not thread-safe: AuditLog holds its mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ddns/auth/audit.hpp"

namespace ddns::gateway {

// Adds `from` (standing for from.repeats requests) to `into`'s count, first and last time. False
// when the count would overflow (the caller then keeps them apart).
bool absorb_repeats(auth::AuditRecord& into, const auth::AuditRecord& from);

class RepeatWindows {
public:
    using Clock = std::chrono::steady_clock;
    using Keyed = std::pair<std::string, auth::AuditRecord>;  // repeat_key, record

    explicit RepeatWindows(std::size_t capacity) : capacity_(capacity) {}

    // Counts `record` in the open window of `key`: true. False when there is none (or its count
    // is full); the caller then calls open() or queues the record itself.
    bool add(const std::string& key, const auth::AuditRecord& record);
    // Holds `record` as the first of a window ending at `until`; false (nothing held) when
    // `capacity` windows are open already.
    bool open(std::string key, auth::AuditRecord record, Clock::time_point until);
    // Windows closed early because `record` (one that must stay a row of its own) concerns
    // them, oldest first.
    std::vector<Keyed> take_concerning(const auth::AuditRecord& record);
    std::vector<Keyed> take_expired(Clock::time_point now);  // oldest first
    std::vector<Keyed> take_all();                           // oldest first
    // The earliest end of an open window; Clock::time_point::max() when none is open.
    Clock::time_point next_expiry() const;
    std::size_t size() const { return open_.size(); }
    bool empty() const { return open_.empty(); }

private:
    struct Window {
        auth::AuditRecord record;
        Clock::time_point until;
        std::list<const std::string*>::iterator in_order;
    };
    Keyed take(const std::string& key);

    std::size_t capacity_;
    std::unordered_map<std::string, Window> open_;
    std::list<const std::string*> order_;  // keys of open_ by their end (pointers stay valid)
    // host, account, username or host name -> keys of the open windows concerning it
    std::unordered_map<std::string, std::vector<const std::string*>> concerning_;
};

}  // namespace ddns::gateway
