// PgSelfServiceStore: accounts, invites, mailed links and zones (hosts and tokens are in
// pg_self_service_hosts.cpp).
#include "ddns/sql/pg_self_service_store.hpp"

#include "codec.hpp"
#include "connection.hpp"
#include "lifecycle_sql.hpp"
#include "outbox_sql.hpp"

namespace ddns::sql {
namespace {

constexpr std::string_view kUserSelect = R"sql(
SELECT a.id, a.username, a.email, a.plan, a.dynamic_updates,
       (extract(epoch FROM a.expires_at) * 1000000)::bigint, a.disabled, a.password_hash,
       a.blocked_at IS NOT NULL, a.verified, (extract(epoch FROM a.created_at) * 1000000)::bigint
FROM accounts a )sql";

auth::UserAccount user_from_row(const Result& r, int row) {
    auth::UserAccount user;
    auto& a = user.account;
    a.id = r.int64(row, 0);
    a.username = std::string(r.text(row, 1));
    a.email = std::string(r.text(row, 2));
    auto plan = auth::parse_plan(r.text(row, 3));
    if (!plan) throw auth::StoreError("database: stored plan is unknown");
    a.plan = *plan;
    a.dynamic_updates = r.boolean(row, 4);
    a.expires_at = opt_time(r, row, 5);
    a.disabled = r.boolean(row, 6);
    a.password_hash = std::string(r.text(row, 7));
    a.blocked = r.boolean(row, 8);
    user.verified = r.boolean(row, 9);
    user.created = time_from_micros(r.int64(row, 10));
    return user;
}

constexpr std::string_view kZoneColumns = R"sql(
SELECT id, name, server_address, server_port, tsig_key_name, tsig_algorithm, tsig_secret,
       default_ttl, owner_account_id, heartbeat_seconds, offline_action
FROM zones )sql";

auth::Zone full_zone(const Result& r, int row) {
    auth::Zone zone = zone_from_row(r, row, 0);
    read_zone_lifecycle(zone, r, row, 9);
    return zone;
}

// The link's row and its mail's outbox row, inside the caller's transaction.
void insert_link(Connection& conn, std::int64_t account_id, const auth::MailedLink& link) {
    conn.exec(
        "INSERT INTO account_links (account_id, purpose, digest, new_email, expires_at) "
        "VALUES ($1::bigint, $2, $3, $4, to_timestamp($5::bigint / 1000000.0))",
        {id_param(account_id), std::string(auth::to_string(link.purpose)), link.digest,
         link.new_email, micros_param(link.expires)});
    insert_mail(conn, link.mail);
}

}  // namespace

Expected<std::int64_t, auth::SignUpConflict> PgSelfServiceStore::create_account(
    const auth::NewAccount& account, const std::optional<std::string>& invite_digest,
    auth::TimePoint now, const std::optional<auth::MailedLink>& verify) {
    auto conn = db_.lease();
    Transaction tx(*conn);
    std::optional<std::int64_t> invite;
    if (invite_digest) {
        auto r = conn->exec(
            "SELECT id FROM invites WHERE digest = $1 AND used_at IS NULL AND "
            "expires_at > to_timestamp($2::bigint / 1000000.0) FOR UPDATE",
            {*invite_digest, micros_param(now)});
        if (r.rows() == 0) return Unexpected{auth::SignUpConflict::BadInvite};
        invite = r.int64(0, 0);
    }
    auto r = conn->try_exec(
        "INSERT INTO accounts (username, email, plan, password_hash, verified) "
        "VALUES ($1, $2, $3, $4, $5::boolean) RETURNING id",
        {account.username, account.email, std::string(auth::to_string(account.plan)),
         account.password_hash, bool_param(account.verified)});
    if (!r) {
        if (r.error() == Violation::Unique) return Unexpected{auth::SignUpConflict::UsernameTaken};
        throw auth::StoreError("database: unexpected constraint violation");
    }
    const std::int64_t id = r->int64(0, 0);
    if (invite)
        conn->exec("UPDATE invites SET used_at = now(), used_by = $2::bigint WHERE id = $1::bigint",
                   {id_param(*invite), id_param(id)});
    if (verify) insert_link(*conn, id, *verify);
    tx.commit();
    return id;
}

std::optional<auth::UserAccount> PgSelfServiceStore::account_by_id(std::int64_t id) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kUserSelect) + "WHERE a.id = $1::bigint", {id_param(id)});
    if (r.rows() == 0) return std::nullopt;
    return user_from_row(r, 0);
}

std::optional<auth::UserAccount> PgSelfServiceStore::account_by_login(
    std::string_view username_or_email) {
    // A username first; else the oldest account with that address (addresses need not be
    // unique: an operator may have given several accounts one).
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kUserSelect) +
                            "WHERE lower(a.username) = lower($1) OR lower(a.email) = lower($1) "
                            "ORDER BY lower(a.username) = lower($1) DESC, a.id LIMIT 1",
                        {std::string(username_or_email)});
    if (r.rows() == 0) return std::nullopt;
    return user_from_row(r, 0);
}

void PgSelfServiceStore::mark_verified(std::int64_t account_id) {
    auto conn = db_.lease();
    conn->exec("UPDATE accounts SET verified = true WHERE id = $1::bigint", {id_param(account_id)});
}

void PgSelfServiceStore::set_password_hash(std::int64_t account_id, std::string_view hash) {
    auto conn = db_.lease();
    Transaction tx(*conn);
    conn->exec("UPDATE accounts SET password_hash = $2 WHERE id = $1::bigint",
               {id_param(account_id), std::string(hash)});
    // Any password change ends every link still outstanding (reset and e-mail change alike).
    conn->exec("DELETE FROM account_links WHERE account_id = $1::bigint AND purpose <> 'verify'",
               {id_param(account_id)});
    tx.commit();
}

void PgSelfServiceStore::set_email(std::int64_t account_id, std::string_view email) {
    auto conn = db_.lease();
    conn->exec("UPDATE accounts SET email = $2, verified = true WHERE id = $1::bigint",
               {id_param(account_id), std::string(email)});
}

void PgSelfServiceStore::set_dynamic_updates(std::int64_t account_id, bool enabled) {
    auto conn = db_.lease();
    conn->exec("UPDATE accounts SET dynamic_updates = $2::boolean WHERE id = $1::bigint",
               {id_param(account_id), bool_param(enabled)});
}

bool PgSelfServiceStore::remove_account(std::int64_t account_id) {
    auto conn = db_.lease();
    Transaction tx(*conn);
    const std::string id = id_param(account_id);
    if (conn->exec("SELECT id FROM accounts WHERE id = $1::bigint FOR UPDATE", {id}).rows() == 0)
        return false;
    conn->exec("DELETE FROM tokens WHERE account_id = $1::bigint", {id});
    conn->exec("DELETE FROM hosts WHERE account_id = $1::bigint", {id});
    // zones.owner_account_id is RESTRICT: an owner of zones stays (all rolled back).
    auto deleted = conn->try_exec("DELETE FROM accounts WHERE id = $1::bigint", {id});
    if (!deleted) return false;
    tx.commit();
    return true;
}

void PgSelfServiceStore::add_invite(std::string_view digest, auth::TimePoint expires) {
    auto conn = db_.lease();
    conn->exec(
        "INSERT INTO invites (digest, expires_at) VALUES ($1, to_timestamp($2::bigint / "
        "1000000.0))",
        {std::string(digest), micros_param(expires)});
}

void PgSelfServiceStore::add_link(std::int64_t account_id, const auth::MailedLink& link) {
    auto conn = db_.lease();
    Transaction tx(*conn);
    insert_link(*conn, account_id, link);
    tx.commit();
}

std::optional<auth::LinkUse> PgSelfServiceStore::consume_link(auth::LinkPurpose purpose,
                                                              std::string_view digest,
                                                              auth::TimePoint now) {
    // One statement: two requests with the same link cannot both use it.
    auto conn = db_.lease();
    auto r = conn->exec(
        "UPDATE account_links SET used_at = now() WHERE digest = $1 AND purpose = $2 "
        "AND used_at IS NULL AND expires_at > to_timestamp($3::bigint / 1000000.0) "
        "RETURNING account_id, new_email",
        {std::string(digest), std::string(auth::to_string(purpose)), micros_param(now)});
    if (r.rows() == 0) return std::nullopt;
    return auth::LinkUse{r.int64(0, 0), std::string(r.text(0, 1))};
}

std::vector<auth::PublicZone> PgSelfServiceStore::public_zones() {
    auto conn = db_.lease();
    auto r = conn->exec("SELECT id, name FROM zones WHERE public ORDER BY name");
    std::vector<auth::PublicZone> zones;
    for (int row = 0; row < r.rows(); ++row)
        zones.push_back({r.int64(row, 0), stored_name(r.text(row, 1))});
    return zones;
}

void PgSelfServiceStore::set_zone_public(const DnsName& zone, bool open) {
    auto conn = db_.lease();
    auto r = conn->exec("UPDATE zones SET public = $2::boolean WHERE name = $1 RETURNING id",
                        {zone.str(), bool_param(open)});
    if (r.rows() == 0) throw auth::StoreError("no zone " + zone.str());
}

std::optional<auth::Zone> PgSelfServiceStore::zone_containing(const DnsName& name) {
    auto conn = db_.lease();
    auto r = conn->exec(kZoneColumns);
    const int best = innermost_zone_row(r, 1, name);
    if (best < 0) return std::nullopt;
    return full_zone(r, best);
}

std::vector<auth::Zone> PgSelfServiceStore::owned_zones(std::int64_t account_id) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kZoneColumns) + "WHERE owner_account_id = $1::bigint",
                        {id_param(account_id)});
    std::vector<auth::Zone> zones;
    for (int row = 0; row < r.rows(); ++row) zones.push_back(full_zone(r, row));
    return zones;
}

}  // namespace ddns::sql
