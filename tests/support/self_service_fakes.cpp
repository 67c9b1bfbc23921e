#include "self_service_fakes.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace ddns::fakes {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Zones hold their TSIG key, which is not copyable; the store hands out copies as PostgreSQL
// hands out rows.
auth::Zone copy_zone(const auth::Zone& z) {
    return auth::Zone{z.id,
                      z.name,
                      z.server,
                      z.key.clone(),
                      z.default_ttl,
                      z.owner_account_id,
                      z.heartbeat_timeout,
                      z.offline_action,
                      z.wildcard_allowed};
}

}  // namespace

FakeSelfServiceStore::FakeSelfServiceStore(FakeAccountStore& principals, FakeHostStore& stored,
                                           FakeRecordStore* records,
                                           std::function<auth::TimePoint()> clock)
    : principals_(principals), host_store_(stored), records_(records), clock_(std::move(clock)) {}

void FakeSelfServiceStore::check() const {
    ++calls;
    if (fail || (fail_after && calls > *fail_after)) throw auth::StoreError("database down");
}

auth::TimePoint FakeSelfServiceStore::now() const {
    return clock_ ? clock_() : auth::TimePoint{};
}

std::shared_ptr<const auth::Zone> FakeSelfServiceStore::add_zone(auth::Zone zone, bool is_public) {
    std::lock_guard lock(mutex_);
    auto shared = std::make_shared<const auth::Zone>(std::move(zone));
    zones_.push_back({shared, is_public});
    return shared;
}

void FakeSelfServiceStore::modify_account(std::int64_t id,
                                          const std::function<void(auth::Account&)>& change) {
    std::lock_guard lock(mutex_);
    auto& account = accounts.at(id).account;
    change(account);
    change(principals_.account(account.username));
}

Expected<std::int64_t, auth::SignUpConflict> FakeSelfServiceStore::create_account(
    const auth::NewAccount& account, const std::optional<std::string>& invite_digest,
    auth::TimePoint now, const std::optional<auth::MailedLink>& verify) {
    std::lock_guard lock(mutex_);
    check();
    InviteRow* invite = nullptr;
    if (invite_digest) {
        auto it = invites.find(*invite_digest);
        if (it == invites.end() || it->second.used || it->second.expires <= now)
            return Unexpected{auth::SignUpConflict::BadInvite};
        invite = &it->second;
    }
    for (const auto& [id, user] : accounts)
        if (lower(user.account.username) == lower(account.username))
            return Unexpected{auth::SignUpConflict::UsernameTaken};
    // The mail first: when it cannot be stored, nothing else is (one transaction).
    if (verify && mail_outbox) mail_outbox->enqueue(verify->mail);
    const std::int64_t id = next_account_++;
    auth::UserAccount user;
    user.account.id = id;
    user.account.username = account.username;
    user.account.email = account.email;
    user.account.plan = account.plan;
    user.account.password_hash = account.password_hash;
    user.verified = account.verified;
    user.created = now;
    principals_.add(user.account);
    accounts[id] = std::move(user);
    if (invite) invite->used = true;
    if (verify)
        links.push_back(LinkRow{id, verify->purpose, verify->digest, verify->expires,
                                verify->new_email, false});
    return id;
}

std::optional<auth::UserAccount> FakeSelfServiceStore::account_by_id(std::int64_t id) {
    std::lock_guard lock(mutex_);
    check();
    auto it = accounts.find(id);
    if (it == accounts.end()) return std::nullopt;
    return it->second;
}

std::optional<auth::UserAccount> FakeSelfServiceStore::account_by_login(
    std::string_view username_or_email) {
    std::lock_guard lock(mutex_);
    check();
    const std::string wanted = lower(username_or_email);
    for (const auto& [id, user] : accounts)
        if (lower(user.account.username) == wanted) return user;
    for (const auto& [id, user] : accounts)  // the oldest account with that address
        if (lower(user.account.email) == wanted) return user;
    return std::nullopt;
}

void FakeSelfServiceStore::mark_verified(std::int64_t account_id) {
    std::lock_guard lock(mutex_);
    check();
    if (auto it = accounts.find(account_id); it != accounts.end()) it->second.verified = true;
}

void FakeSelfServiceStore::set_password_hash(std::int64_t account_id, std::string_view hash) {
    std::lock_guard lock(mutex_);
    check();
    if (!accounts.count(account_id)) return;
    modify_account(account_id, [&](auth::Account& a) { a.password_hash = std::string(hash); });
    std::erase_if(links, [&](const LinkRow& l) {
        return l.account_id == account_id && l.purpose != auth::LinkPurpose::Verify;
    });
}

void FakeSelfServiceStore::set_email(std::int64_t account_id, std::string_view email) {
    std::lock_guard lock(mutex_);
    check();
    if (!accounts.count(account_id)) return;
    modify_account(account_id, [&](auth::Account& a) { a.email = std::string(email); });
    accounts.at(account_id).verified = true;
}

void FakeSelfServiceStore::set_dynamic_updates(std::int64_t account_id, bool enabled) {
    std::lock_guard lock(mutex_);
    check();
    if (!accounts.count(account_id)) return;
    modify_account(account_id, [&](auth::Account& a) { a.dynamic_updates = enabled; });
}

bool FakeSelfServiceStore::remove_account(std::int64_t account_id) {
    std::lock_guard lock(mutex_);
    check();
    auto it = accounts.find(account_id);
    if (it == accounts.end()) return false;
    for (const auto& z : zones_)
        if (z.zone->owner_account_id == account_id) return false;  // RESTRICT
    std::vector<std::int64_t> hosts_of;
    for (const auto& [id, row] : host_rows)
        if (row.account_id == account_id) hosts_of.push_back(id);
    for (auto id : hosts_of) forget_host(id);
    std::erase_if(update_token_rows,
                  [&](const auto& t) { return t.second.account_id == account_id; });
    std::erase_if(api_token_rows, [&](const auto& t) { return t.second.account_id == account_id; });
    std::erase_if(links, [&](const LinkRow& l) { return l.account_id == account_id; });
    principals_.remove(it->second.account.username);
    accounts.erase(it);
    return true;
}

void FakeSelfServiceStore::add_invite(std::string_view digest, auth::TimePoint expires) {
    std::lock_guard lock(mutex_);
    check();
    invites[std::string(digest)] = InviteRow{expires, false};
}

void FakeSelfServiceStore::add_link(std::int64_t account_id, const auth::MailedLink& link) {
    std::lock_guard lock(mutex_);
    check();
    if (mail_outbox) mail_outbox->enqueue(link.mail);  // throws first: no link without its mail
    links.push_back(
        LinkRow{account_id, link.purpose, link.digest, link.expires, link.new_email, false});
}

std::optional<auth::LinkUse> FakeSelfServiceStore::consume_link(auth::LinkPurpose purpose,
                                                                std::string_view digest,
                                                                auth::TimePoint now) {
    std::lock_guard lock(mutex_);
    check();
    for (auto& l : links)
        if (l.digest == digest && l.purpose == purpose && !l.used && l.expires > now) {
            l.used = true;
            return auth::LinkUse{l.account_id, l.new_email};
        }
    return std::nullopt;
}

std::vector<auth::PublicZone> FakeSelfServiceStore::public_zones() {
    std::lock_guard lock(mutex_);
    check();
    std::vector<auth::PublicZone> out;
    for (const auto& z : zones_)
        if (z.is_public) out.push_back({z.zone->id, z.zone->name});
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.name.str() < b.name.str(); });
    return out;
}

void FakeSelfServiceStore::set_zone_public(const DnsName& zone, bool open) {
    std::lock_guard lock(mutex_);
    check();
    for (auto& z : zones_)
        if (z.zone->name == zone) {
            z.is_public = open;
            return;
        }
    throw auth::StoreError("no zone " + zone.str());
}

std::optional<auth::Zone> FakeSelfServiceStore::zone_containing(const DnsName& name) {
    std::lock_guard lock(mutex_);
    check();
    const auth::Zone* best = nullptr;
    for (const auto& z : zones_)
        if (name.is_at_or_below(z.zone->name) &&
            (!best || z.zone->name.label_count() > best->name.label_count()))
            best = z.zone.get();
    if (!best) return std::nullopt;
    return copy_zone(*best);
}

std::vector<auth::Zone> FakeSelfServiceStore::owned_zones(std::int64_t account_id) {
    std::lock_guard lock(mutex_);
    check();
    std::vector<auth::Zone> out;
    for (const auto& z : zones_)
        if (z.zone->owner_account_id == account_id) out.push_back(copy_zone(*z.zone));
    return out;
}

std::optional<auth::UserHost> FakeSelfServiceStore::user_host(std::int64_t id,
                                                              const HostRow& row) const {
    auth::UserHost h{id, row.name, row.zone->name};
    {
        std::lock_guard rows_lock(host_store_.mutex);
        if (auto it = host_store_.rows.find(id); it != host_store_.rows.end()) {
            h.ipv4 = it->second.ipv4;
            h.ipv6 = it->second.ipv6;
            h.extra_ipv4 = it->second.extra_ipv4;
            if (it->second.offline) {
                h.offline_since = auth::TimePoint{};
                if (auto r = host_store_.reasons.find(id); r != host_store_.reasons.end())
                    h.offline_reason = r->second;
            }
        }
    }
    h.heartbeat_setting = row.heartbeat;
    h.zone_heartbeat = row.zone->heartbeat_timeout;
    h.offline_action_setting = row.offline_action;
    h.zone_offline_action = row.zone->offline_action;
    return h;
}

std::vector<auth::UserHost> FakeSelfServiceStore::hosts(std::int64_t account_id) {
    std::lock_guard lock(mutex_);
    check();
    std::vector<auth::UserHost> out;
    for (const auto& [id, row] : host_rows)
        if (row.account_id == account_id) out.push_back(*user_host(id, row));
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.name.str() < b.name.str(); });
    return out;
}

std::optional<auth::UserHost> FakeSelfServiceStore::host(std::int64_t account_id,
                                                         const DnsName& name) {
    std::lock_guard lock(mutex_);
    check();
    for (const auto& [id, row] : host_rows)
        if (row.account_id == account_id && row.name == name) return user_host(id, row);
    return std::nullopt;
}

bool FakeSelfServiceStore::holds_records(const DnsName& name) const {
    if (!records_) return false;
    for (const auto& [zone_id, rows] : records_->zones)
        for (const auto& [id, record] : rows)
            if (record.owner() == name) return true;
    return false;
}

Expected<std::int64_t, auth::HostConflict> FakeSelfServiceStore::add_host(std::int64_t account_id,
                                                                          const DnsName& name,
                                                                          std::size_t max_hosts) {
    // One lock over the count and the insertion, as the account row FOR UPDATE in PostgreSQL.
    std::lock_guard lock(mutex_);
    check();
    const auto zone = zone_containing(name);
    if (!zone) throw auth::StoreError("database: no zone contains " + name.str());
    std::shared_ptr<const auth::Zone> shared;
    for (const auto& z : zones_)
        if (z.zone->id == zone->id) shared = z.zone;
    if (holds_records(name)) return Unexpected{auth::HostConflict::HoldsRecords};
    if (max_hosts > 0) {
        const auto held = std::count_if(host_rows.begin(), host_rows.end(), [&](const auto& h) {
            return h.second.account_id == account_id;
        });
        if (static_cast<std::size_t>(held) >= max_hosts)
            return Unexpected{auth::HostConflict::LimitReached};
    }
    for (const auto& [id, row] : host_rows)
        if (row.name == name) return Unexpected{auth::HostConflict::NameTaken};
    const std::int64_t id = next_host_++;
    host_rows.emplace(id,
                      HostRow{account_id, name, shared, std::nullopt, std::nullopt, std::nullopt});
    auth::Host mirror{id,           account_id,   name,         shared->default_ttl,
                      std::nullopt, std::nullopt, std::nullopt, shared};
    mirror.heartbeat_timeout = shared->heartbeat_timeout;
    principals_.add_host(accounts.at(account_id).account.username, std::move(mirror));
    {
        std::lock_guard rows_lock(host_store_.mutex);
        host_store_.rows[id] = auth::StoredAddresses{id, std::nullopt, std::nullopt, false};
    }
    if (records_) records_->hosts.insert(name);
    return id;
}

void FakeSelfServiceStore::forget_host(std::int64_t host_id) {
    const HostRow row = host_rows.at(host_id);
    host_rows.erase(host_id);
    principals_.remove_host(accounts.at(row.account_id).account.username, host_id);
    {
        std::lock_guard rows_lock(host_store_.mutex);
        host_store_.rows.erase(host_id);
    }
    if (records_) records_->hosts.erase(row.name);
    // Tokens limited to the host go with it (ON DELETE CASCADE).
    std::vector<std::int64_t> tokens;
    for (const auto& [id, t] : update_token_rows)
        if (t.host_id == host_id) tokens.push_back(id);
    for (auto id : tokens) {
        principals_.remove_token(accounts.at(row.account_id).account.username, id);
        update_token_rows.erase(id);
    }
    history.erase(host_id);
}

bool FakeSelfServiceStore::remove_host(std::int64_t account_id, std::int64_t host_id) {
    std::lock_guard lock(mutex_);
    check();
    auto it = host_rows.find(host_id);
    if (it == host_rows.end() || it->second.account_id != account_id) return false;
    forget_host(host_id);
    return true;
}

bool FakeSelfServiceStore::set_host_heartbeat(std::int64_t account_id, std::int64_t host_id,
                                              std::optional<std::chrono::seconds> setting) {
    std::lock_guard lock(mutex_);
    check();
    auto it = host_rows.find(host_id);
    if (it == host_rows.end() || it->second.account_id != account_id) return false;
    it->second.heartbeat = setting;
    return true;
}

bool FakeSelfServiceStore::set_host_offline_action(std::int64_t account_id, std::int64_t host_id,
                                                   std::optional<auth::OfflineAction> action) {
    std::lock_guard lock(mutex_);
    check();
    auto it = host_rows.find(host_id);
    if (it == host_rows.end() || it->second.account_id != account_id) return false;
    it->second.offline_action = action;
    return true;
}

bool FakeSelfServiceStore::set_host_derived(std::int64_t account_id, std::int64_t host_id,
                                            const std::optional<auth::Derivation>& derivation) {
    std::lock_guard lock(mutex_);
    check();
    auto it = host_rows.find(host_id);
    if (it == host_rows.end() || it->second.account_id != account_id) return false;
    const std::string& username = accounts.at(account_id).account.username;
    if (!derivation) {
        it->second.derive_from.reset();
        principals_.change_host(username, host_id, [](auth::Host& h) {
            h.derive_from.reset();
            h.interface_id.reset();
            h.prefix_length = 0;
        });
        return true;
    }
    const auto router = std::find_if(host_rows.begin(), host_rows.end(), [&](const auto& row) {
        return row.second.name == derivation->from;
    });
    if (router == host_rows.end() || router->first == host_id ||
        router->second.account_id != account_id || router->second.zone != it->second.zone ||
        router->second.derive_from)
        return false;
    for (const auto& [id, row] : host_rows)
        if (row.derive_from == host_id) return false;
    it->second.derive_from = router->first;
    principals_.change_host(username, host_id, [&](auth::Host& h) {
        h.derive_from = router->first;
        h.interface_id = derivation->interface_id;
        h.prefix_length = derivation->prefix_length;
    });
    return true;
}

std::vector<auth::HistoryEntry> FakeSelfServiceStore::host_history(std::int64_t account_id,
                                                                   std::int64_t host_id,
                                                                   std::size_t limit) {
    std::lock_guard lock(mutex_);
    check();
    auto row = host_rows.find(host_id);
    auto it = history.find(host_id);
    if (row == host_rows.end() || row->second.account_id != account_id || it == history.end())
        return {};
    const auto n = std::min(limit, it->second.size());
    return {it->second.begin(), it->second.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::vector<auth::TokenInfo> FakeSelfServiceStore::token_list(
    const std::map<std::int64_t, TokenRow>& rows, std::int64_t account_id) const {
    std::vector<auth::TokenInfo> out;
    for (const auto& [id, t] : rows) {
        if (t.account_id != account_id) continue;
        auth::TokenInfo info;
        info.id = id;
        info.name = t.name;
        if (t.host_id) info.host = host_rows.at(*t.host_id).name;
        info.created = t.created;
        info.last_used = t.last_used;
        info.limits = t.limits;
        out.push_back(std::move(info));
    }
    return out;
}

std::int64_t FakeSelfServiceStore::add_update_token(std::int64_t account_id,
                                                    std::optional<std::int64_t> host_id,
                                                    std::string_view name, std::string_view digest,
                                                    const auth::TokenLimits& limits) {
    std::lock_guard lock(mutex_);
    check();
    const std::int64_t id = next_token_++;
    update_token_rows[id] =
        TokenRow{account_id, host_id, std::string(name), std::string(digest), limits, {}, now()};
    auth::TokenMatch match;
    match.token_id = id;
    match.host_id = host_id;
    match.limits = limits;
    match.created = now();
    principals_.add_token(accounts.at(account_id).account.username, std::string(digest), match);
    return id;
}

std::vector<auth::TokenInfo> FakeSelfServiceStore::update_tokens(std::int64_t account_id) {
    std::lock_guard lock(mutex_);
    check();
    return token_list(update_token_rows, account_id);
}

bool FakeSelfServiceStore::revoke_update_token(std::int64_t account_id, std::int64_t token_id) {
    std::lock_guard lock(mutex_);
    check();
    auto it = update_token_rows.find(token_id);
    if (it == update_token_rows.end() || it->second.account_id != account_id) return false;
    principals_.remove_token(accounts.at(account_id).account.username, token_id);
    update_token_rows.erase(it);
    return true;
}

std::int64_t FakeSelfServiceStore::add_api_token(std::int64_t account_id, std::string_view name,
                                                 std::string_view digest) {
    std::lock_guard lock(mutex_);
    check();
    const std::int64_t id = next_token_++;
    api_token_rows[id] =
        TokenRow{account_id, std::nullopt, std::string(name), std::string(digest), {}, {}, now()};
    return id;
}

std::vector<auth::TokenInfo> FakeSelfServiceStore::api_tokens(std::int64_t account_id) {
    std::lock_guard lock(mutex_);
    check();
    return token_list(api_token_rows, account_id);
}

bool FakeSelfServiceStore::revoke_api_token(std::int64_t account_id, std::int64_t token_id) {
    std::lock_guard lock(mutex_);
    check();
    auto it = api_token_rows.find(token_id);
    if (it == api_token_rows.end() || it->second.account_id != account_id) return false;
    api_token_rows.erase(it);
    return true;
}

void FakeSelfServiceStore::revoke_api_tokens(std::int64_t account_id) {
    std::lock_guard lock(mutex_);
    check();
    std::erase_if(api_token_rows, [&](const auto& t) { return t.second.account_id == account_id; });
}

std::optional<std::int64_t> FakeSelfServiceStore::api_token_account(std::string_view digest,
                                                                    auth::TimePoint now) {
    std::lock_guard lock(mutex_);
    check();
    for (auto& [id, t] : api_token_rows)
        if (t.digest == digest) {
            t.last_used = now;
            return t.account_id;
        }
    return std::nullopt;
}

std::int64_t FakeNoticeStore::add_subscription(const auth::NewNoticeSubscription& s,
                                               const std::string& webhook_secret) {
    const std::int64_t id = next_id_++;
    auth::NoticeSubscription row;
    row.id = id;
    row.account_id = s.account_id;
    row.kinds = s.kinds;
    row.mail = s.mail;
    row.mail_to = s.mail_to;
    row.webhook_url = s.webhook_url;
    row.created = "2026-12-07T00:00:00Z";
    rows[id] = std::move(row);
    if (!webhook_secret.empty()) secrets[id] = webhook_secret;
    return id;
}

std::vector<auth::NoticeSubscription> FakeNoticeStore::subscriptions(
    std::optional<std::int64_t> account_id) {
    std::vector<auth::NoticeSubscription> out;
    for (const auto& [id, row] : rows)
        if (!account_id || row.account_id == account_id) out.push_back(row);
    return out;
}

bool FakeNoticeStore::remove_subscription(std::int64_t id, std::optional<std::int64_t> account_id) {
    auto it = rows.find(id);
    if (it == rows.end() || (account_id && it->second.account_id != account_id)) return false;
    rows.erase(it);
    secrets.erase(id);
    return true;
}

}  // namespace ddns::fakes
