#include "ddns/gateway/jobs/repeat_windows.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace ddns::gateway {
namespace {

std::string lower(char tag, std::string_view text) {
    std::string out(1, tag);
    for (char c : text)
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return out;
}

// What a record concerns, as far as the update log's order is kept: its account (by id and by
// the username presented, which is how the writer charges an auth fault), and its hosts (by id
// and by the name presented). Two records sharing none of these are about different hosts.
std::vector<std::string> subjects(const auth::AuditRecord& record) {
    std::vector<std::string> out;
    const auth::AuditNote& note = record.note;
    if (note.account_id) out.push_back("a" + std::to_string(*note.account_id));
    if (!note.username.empty()) out.push_back(lower('u', note.username));
    for (const auth::AuditHost& host : note.hosts) {
        if (host.host_id) out.push_back("h" + std::to_string(*host.host_id));
        if (!host.name.empty()) out.push_back(lower('n', host.name));
    }
    return out;
}

}  // namespace

bool absorb_repeats(auth::AuditRecord& into, const auth::AuditRecord& from) {
    if (from.repeats > std::numeric_limits<std::uint32_t>::max() - into.repeats) return false;
    if (into.repeats == 1) into.first_time = into.time;
    const auth::TimePoint from_first = from.repeats > 1 ? from.first_time : from.time;
    into.repeats += from.repeats;
    into.first_time = std::min(into.first_time, from_first);
    into.time = std::max(into.time, from.time);
    return true;
}

bool RepeatWindows::add(const std::string& key, const auth::AuditRecord& record) {
    const auto it = open_.find(key);
    return it != open_.end() && absorb_repeats(it->second.record, record);
}

bool RepeatWindows::open(std::string key, auth::AuditRecord record, Clock::time_point until) {
    if (open_.size() >= capacity_) return false;
    if (open_.count(key) != 0) return false;  // a full count: the caller queues the record
    std::vector<std::string> about = subjects(record);
    auto [it, added] = open_.emplace(std::move(key), Window{std::move(record), until, {}});
    const std::string* stable = &it->first;  // node-based map: the key's address never moves
    it->second.in_order = order_.insert(order_.end(), stable);
    for (std::string& subject : about) concerning_[std::move(subject)].push_back(stable);
    return true;
}

RepeatWindows::Keyed RepeatWindows::take(const std::string& key) {
    auto node = open_.extract(key);
    Window& window = node.mapped();
    order_.erase(window.in_order);
    for (const std::string& subject : subjects(window.record)) {
        auto list = concerning_.find(subject);
        if (list == concerning_.end()) continue;
        std::erase(list->second, &node.key());
        if (list->second.empty()) concerning_.erase(list);
    }
    return {std::move(node.key()), std::move(window.record)};
}

std::vector<RepeatWindows::Keyed> RepeatWindows::take_concerning(const auth::AuditRecord& record) {
    if (open_.empty()) return {};
    std::vector<std::string> keys;
    for (const std::string& subject : subjects(record)) {
        const auto list = concerning_.find(subject);
        if (list == concerning_.end()) continue;
        for (const std::string* key : list->second) keys.push_back(*key);
    }
    std::vector<Keyed> out;
    for (const std::string& key : keys)
        if (open_.count(key) != 0) out.push_back(take(key));
    // Oldest first, so the queue keeps the order in which the windows opened.
    std::stable_sort(out.begin(), out.end(), [](const Keyed& a, const Keyed& b) {
        const auto first = [](const auth::AuditRecord& r) {
            return r.repeats > 1 ? r.first_time : r.time;
        };
        return first(a.second) < first(b.second);
    });
    return out;
}

std::vector<RepeatWindows::Keyed> RepeatWindows::take_expired(Clock::time_point now) {
    std::vector<Keyed> out;
    while (!order_.empty()) {
        const std::string& key = *order_.front();
        if (open_.at(key).until > now) break;
        out.push_back(take(key));
    }
    return out;
}

std::vector<RepeatWindows::Keyed> RepeatWindows::take_all() {
    return take_expired(Clock::time_point::max());
}

RepeatWindows::Clock::time_point RepeatWindows::next_expiry() const {
    return order_.empty() ? Clock::time_point::max() : open_.at(*order_.front()).until;
}

}  // namespace ddns::gateway
