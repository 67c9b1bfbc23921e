#include "fakes.hpp"

#include <utility>

namespace ddns::fakes {

UpdateResult FakeSender::send(const UpdateRequest& request, const TsigKey& key,
                              const ServerEndpoint& server) {
    std::unique_lock lock(mutex);
    sent.push_back(request);
    keys_used.push_back(key.name.str());
    servers_used.push_back(server);
    if (gate) {
        in_flight = true;
        cv.notify_all();
        cv.wait(lock, [&] { return !gate; });
    }
    if (scripted.empty()) return {status, {}};
    const auto s = scripted.front();
    scripted.erase(scripted.begin());
    return {s, "scripted"};
}

namespace {

class HostChange final : public auth::HostChange {
public:
    HostChange(FakeHostStore& store, const std::vector<std::int64_t>& ids) : store_(store) {
        std::unique_lock lock(store_.mutex);
        ++store_.changes_begun;
        if (store_.row_locks) {
            // As FOR UPDATE: wait until no other change holds any of these rows.
            ++store_.lock_waits;
            store_.locks_released.wait(lock, [&] {
                for (auto id : ids)
                    if (store_.held.count(id) != 0) return false;
                return true;
            });
            --store_.lock_waits;
            held_.assign(ids.begin(), ids.end());
            store_.held.insert(ids.begin(), ids.end());
        }
        for (auto id : ids)
            if (auto it = store_.rows.find(id); it != store_.rows.end())
                locked_.push_back(it->second);
    }
    ~HostChange() override {
        if (held_.empty()) return;
        {
            std::lock_guard lock(store_.mutex);
            for (auto id : held_) store_.held.erase(id);
        }
        store_.locks_released.notify_all();
    }
    HostChange(const HostChange&) = delete;
    HostChange& operator=(const HostChange&) = delete;
    const std::vector<auth::StoredAddresses>& locked() const override { return locked_; }
    void record_applied(std::int64_t id, const std::optional<IpAddress>& v4,
                        const std::optional<IpAddress>& v6, auth::TimePoint) override {
        buffered_[id] = auth::StoredAddresses{id, v4, v6, false};
        buffered_[id].ipv6_prefix = prefix_of(id);
        buffered_[id].wildcard = wildcard_of(id);
    }
    void record_wildcard(std::int64_t id, bool mirrored) override {
        buffered_.at(id).wildcard = mirrored;  // after record_applied, as in update_service
    }
    void record_prefix(std::int64_t id, const std::optional<IpNetwork>& prefix) override {
        buffered_.at(id).ipv6_prefix = prefix;  // after record_applied, as in update_service
    }
    void record_offline(std::int64_t id, const std::optional<IpAddress>& v4,
                        const std::optional<IpAddress>& v6, auth::OfflineReason reason,
                        auth::TimePoint) override {
        buffered_[id] = auth::StoredAddresses{id, v4, v6, true};
        buffered_[id].ipv6_prefix = prefix_of(id);
        buffered_[id].wildcard = wildcard_of(id);
        reasons_[id] = reason;
    }
    void record_extra_ipv4(std::int64_t id, const std::vector<IpAddress>& extra) override {
        buffered_.at(id).extra_ipv4 = extra;  // after record_applied, as the interface says
    }
    void record_seen(std::int64_t id, auth::TimePoint) override { ++seen_[id]; }
    void commit() override {
        std::unique_lock lock(store_.mutex);
        if (store_.commit_gate) {
            ++store_.commits_waiting;
            store_.commit_gate_opened.wait(lock, [&] { return !store_.commit_gate; });
            --store_.commits_waiting;
        }
        if (store_.fail_commit) throw auth::StoreError("database down");
        if (store_.commit_unknown) {
            // The server committed, and the connection went before it could say so.
            for (auto& [id, row] : buffered_) store_.rows[id] = row;
            throw auth::CommitUnknown("commit outcome unknown: connection lost");
        }
        for (auto& [id, n] : seen_) store_.rows[id].in_doubt = false;
        for (auto& [id, row] : buffered_) store_.rows[id] = row;
        for (auto& [id, reason] : reasons_) store_.reasons[id] = reason;
        for (auto& [id, n] : seen_) store_.seen[id] += n;
        ++store_.commits;
    }

private:
    // The prefix stays what it was unless record_prefix() changes it (as the row's column).
    std::optional<IpNetwork> prefix_of(std::int64_t id) const {
        for (const auto& row : locked_)
            if (row.host_id == id) return row.ipv6_prefix;
        return std::nullopt;
    }
    bool wildcard_of(std::int64_t id) const {
        for (const auto& row : locked_)
            if (row.host_id == id) return row.wildcard;
        return false;
    }

    FakeHostStore& store_;
    std::vector<std::int64_t> held_;  // row locks (with store.row_locks)
    std::vector<auth::StoredAddresses> locked_;
    std::map<std::int64_t, auth::StoredAddresses> buffered_;
    std::map<std::int64_t, auth::OfflineReason> reasons_;
    std::map<std::int64_t, int> seen_;
};

class RecordChange final : public auth::RecordChange {
public:
    RecordChange(FakeRecordStore& store, std::int64_t zone_id)
        : store_(store), zone_id_(zone_id), rows_(store.zones[zone_id]) {}
    std::vector<auth::StoredRecord> records_at(const DnsName& owner) override {
        std::vector<auth::StoredRecord> out;
        for (const auto& [id, record] : rows_)
            if (record.owner() == owner) out.push_back({id, record});
        return out;
    }
    bool host_named(const DnsName& owner) override { return store_.hosts.count(owner) > 0; }
    void insert(const ResourceRecord& record) override { rows_.emplace(store_.next_id++, record); }
    void erase(std::int64_t id) override { rows_.erase(id); }
    void commit() override {
        if (store_.fail_commit) throw auth::StoreError("database down");
        store_.zones[zone_id_] = rows_;
        // It did commit; the answer was lost.
        if (store_.commit_unknown) throw auth::CommitUnknown("connection lost during COMMIT");
    }

private:
    FakeRecordStore& store_;
    std::int64_t zone_id_;
    FakeRecordStore::Rows rows_;
};

}  // namespace

std::unique_ptr<auth::HostChange> FakeHostStore::begin_change(
    const std::vector<std::int64_t>& ids) {
    if (fail_begin) throw auth::StoreError("database down");
    return std::make_unique<HostChange>(*this, ids);
}

bool FakeHostStore::record_seen_if_unchanged(const auth::StoredAddresses& expected,
                                             auth::TimePoint) {
    std::lock_guard lock(mutex);
    ++seen_attempts[expected.host_id];
    auto it = rows.find(expected.host_id);
    if (it == rows.end() || it->second.offline || it->second.in_doubt ||
        !it->second.extra_ipv4.empty() || it->second.ipv4 != expected.ipv4 ||
        it->second.ipv6 != expected.ipv6 || it->second.ipv6_prefix != expected.ipv6_prefix ||
        it->second.wildcard != expected.wildcard)
        return false;
    ++seen[expected.host_id];
    return true;
}

std::optional<auth::NochgWindow> FakeHostStore::count_seen_if_unchanged(
    const auth::StoredAddresses& expected, auth::TimePoint now, std::chrono::seconds interval) {
    if (!record_seen_if_unchanged(expected, now)) return std::nullopt;
    std::lock_guard lock(mutex);
    if (interval == std::chrono::seconds::zero()) {
        windows.erase(expected.host_id);
        return auth::NochgWindow{};
    }
    auto& w = windows[expected.host_id];
    if (!w.start || now - *w.start >= interval) w = auth::NochgWindow{now, 0};
    ++w.count;
    return w;
}

void FakeHostStore::mark_in_doubt(const std::vector<std::int64_t>& ids, auth::TimePoint) {
    std::lock_guard lock(mutex);
    for (auto id : ids) rows[id].in_doubt = true;
    ++marks;
}

void FakeRecordStore::mark_rrset_in_doubt(std::int64_t zone_id, const DnsName& owner,
                                          RecordType type) {
    in_doubt.emplace(zone_id, owner, type);
}

std::vector<auth::RRsetInDoubt> FakeRecordStore::rrsets_in_doubt(std::int64_t zone_id) {
    std::vector<auth::RRsetInDoubt> out;
    for (const auto& [z, owner, type] : in_doubt)
        if (z == zone_id) out.push_back({owner, type, auth::TimePoint{}});
    return out;
}

std::unique_ptr<auth::RecordChange> FakeRecordStore::begin_record_change(std::int64_t zone_id) {
    locked_zones.push_back(zone_id);
    if (fail_begin) throw auth::StoreError("database down");
    return std::make_unique<RecordChange>(*this, zone_id);
}

std::vector<auth::StoredRecord> FakeRecordStore::list_records(std::int64_t zone_id) {
    if (fail_list) throw auth::StoreError("database down");
    std::vector<auth::StoredRecord> out;
    for (const auto& [id, record] : zones[zone_id]) out.push_back({id, record});
    return out;
}

std::int64_t FakeRecordStore::add(std::int64_t zone_id, ResourceRecord record) {
    const auto id = next_id++;
    zones[zone_id].emplace(id, std::move(record));
    return id;
}

std::vector<ResourceRecord> FakeRecordStore::stored(std::int64_t zone_id) const {
    std::vector<ResourceRecord> out;
    if (auto it = zones.find(zone_id); it != zones.end())
        for (const auto& [id, record] : it->second) out.push_back(record);
    return out;
}

void FakeAccountStore::add(auth::Account account,
                           std::optional<std::pair<std::string, auth::TokenMatch>> token) {
    const std::string name = account.username;
    Entry entry{auth::Principal{std::move(account), {}, std::nullopt, {}}, {}};
    if (token) entry.tokens.emplace(std::move(token->first), token->second);
    entries_[name] = std::move(entry);
}

void FakeAccountStore::add(auth::Principal principal) {
    principal.token.reset();
    const std::string name = principal.account.username;
    entries_[name] = Entry{std::move(principal), {}};
}

auth::Account& FakeAccountStore::account(const std::string& username) {
    return entries_.at(username).principal.account;
}

void FakeAccountStore::add_host(const std::string& username, auth::Host host) {
    entries_.at(username).principal.hosts.push_back(std::move(host));
}

void FakeAccountStore::remove_hosts(const std::string& username) {
    entries_.at(username).principal.hosts.clear();
}

void FakeAccountStore::remove_host(const std::string& username, std::int64_t host_id) {
    auto& hosts = entries_.at(username).principal.hosts;
    std::erase_if(hosts, [&](const auth::Host& h) { return h.id == host_id; });
}

bool FakeAccountStore::change_host(const std::string& username, std::int64_t host_id,
                                   const std::function<void(auth::Host&)>& change) {
    for (auth::Host& h : entries_.at(username).principal.hosts)
        if (h.id == host_id) {
            change(h);
            return true;
        }
    return false;
}

void FakeAccountStore::remove_token(const std::string& username, std::int64_t token_id) {
    std::erase_if(entries_.at(username).tokens,
                  [&](const auto& entry) { return entry.second.token_id == token_id; });
}

void FakeAccountStore::remove(const std::string& username) {
    entries_.erase(username);
}

void FakeAccountStore::add_token(const std::string& username, std::string digest,
                                 auth::TokenMatch match) {
    entries_.at(username).tokens[std::move(digest)] = match;
}

std::optional<auth::Principal> FakeAccountStore::load_principal(std::string_view username,
                                                                std::string_view token_digest) {
    ++calls;
    last_digest = std::string(token_digest);
    if (fail) throw auth::StoreError("database down");
    auto it = entries_.find(std::string(username.substr(0, username.find('\0'))));
    if (it == entries_.end()) return std::nullopt;
    auth::Principal p = it->second.principal;
    if (auto t = it->second.tokens.find(std::string(token_digest));
        !token_digest.empty() && t != it->second.tokens.end())
        p.token = t->second;
    return p;
}

void FakeAccountStore::record_token_use(std::int64_t token_id,
                                        const std::optional<IpAddress>& client,
                                        auth::TimePoint now) {
    token_uses.push_back({token_id, client, now});
    for (auto& [username, entry] : entries_)
        for (auto& [digest, match] : entry.tokens)
            if (match.token_id == token_id) {
                match.last_used = now;
                if (client) match.last_used_address = client;
            }
}

std::optional<std::string> FakeAccountStore::find_host_owner(const DnsName& name) {
    ++host_lookups;
    if (fail) throw auth::StoreError("database down");
    for (const auto& [username, entry] : entries_)
        for (const auto& host : entry.principal.hosts)
            if (host.name == name) return owner_override.value_or(username);
    return std::nullopt;
}

}  // namespace ddns::fakes
