// PgStore against a migrated database: principals with and without tokens, recorded state,
// and behaviour while the database is down.
#include "ddns/sql/pg_store.hpp"
#include "connection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

class PgStoreTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        migrate(*db_);
        AdminRepository repo(*db_);
        const TsigKey key = test_tsig_key();
        auto server = *parse_server_endpoint("127.0.0.1:5300");
        ASSERT_TRUE(repo.add_zone(ZoneSpec{name("example.org"), server, &key, 60}));
        ASSERT_TRUE(repo.add_zone(ZoneSpec{name("example.net"), server, &key, 120}));
        ASSERT_TRUE(repo.add_account("Alice", "alice@example.net", auth::Plan::Free, "hash-a"));
        ASSERT_TRUE(repo.add_account("bob", "", auth::Plan::Domain, "hash-b"));
        ASSERT_TRUE(repo.add_account("carol", "", auth::Plan::Free, "hash-c"));
        host_a_ = *repo.add_host(name("a.example.org"), "alice");
        host_b_ = *repo.add_host(name("b.example.org"), "alice");
        host_c_ = *repo.add_host(name("c.example.net"), "alice");
        ASSERT_TRUE(repo.add_host(name("bob.example.org"), "bob"));
        wide_token_ = *repo.add_token("alice", std::nullopt, digest('a'));
        scoped_token_ = *repo.add_token("alice", name("b.example.org"), digest('b'));
        ASSERT_TRUE(repo.add_token("bob", std::nullopt, digest('f')));
        store_ = std::make_unique<PgStore>(*db_);
    }

    std::int64_t host_a_ = 0, host_b_ = 0, host_c_ = 0;
    std::int64_t wide_token_ = 0, scoped_token_ = 0;
    std::unique_ptr<PgStore> store_;
};

TEST_F(PgStoreTest, PasswordOnlyLoadsAccountAndHostsWithSharedZones) {
    auto p = store_->load_principal("alice", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->account.username, "Alice");
    EXPECT_EQ(p->account.email, "alice@example.net");
    EXPECT_EQ(p->account.plan, auth::Plan::Free);
    EXPECT_EQ(p->account.password_hash, "hash-a");
    EXPECT_FALSE(p->account.disabled);
    EXPECT_FALSE(p->account.expires_at);
    EXPECT_FALSE(p->token);
    ASSERT_EQ(p->hosts.size(), 3U);
    EXPECT_EQ(p->hosts[0].id, host_a_);
    EXPECT_EQ(p->hosts[0].name, name("a.example.org"));
    EXPECT_EQ(p->hosts[0].account_id, p->account.id);
    EXPECT_EQ(p->hosts[0].ttl, 60U);
    EXPECT_EQ(p->hosts[1].id, host_b_);
    EXPECT_EQ(p->hosts[2].id, host_c_);
    EXPECT_EQ(p->hosts[2].ttl, 120U);
    ASSERT_TRUE(p->hosts[0].zone && p->hosts[2].zone);
    EXPECT_EQ(p->hosts[0].zone.get(), p->hosts[1].zone.get());  // one object per zone
    EXPECT_NE(p->hosts[0].zone.get(), p->hosts[2].zone.get());
    EXPECT_EQ(p->hosts[0].zone->name, name("example.org"));
    EXPECT_EQ(p->hosts[2].zone->name, name("example.net"));
    EXPECT_EQ(p->hosts[0].zone->server, *parse_server_endpoint("127.0.0.1:5300"));
    EXPECT_EQ(p->hosts[0].zone->key.name, name("gw-key"));
    EXPECT_EQ(p->hosts[0].zone->key.secret.size(), 32U);
}

TEST_F(PgStoreTest, AccountWithoutHosts) {
    auto p = store_->load_principal("carol", digest('a'));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->account.username, "carol");
    EXPECT_TRUE(p->hosts.empty());
    EXPECT_FALSE(p->token);
}

TEST_F(PgStoreTest, MatchingAccountWideToken) {
    auto p = store_->load_principal("alice", digest('a'));
    ASSERT_TRUE(p && p->token);
    EXPECT_EQ(p->token->token_id, wide_token_);
    EXPECT_FALSE(p->token->host_id);
    EXPECT_EQ(p->hosts.size(), 3U);
    // Loading is no use: only the authenticator's record_token_use writes (a refused token's
    // attempt must not refresh it).
    EXPECT_EQ(scalar("SELECT count(*) FROM tokens WHERE last_used IS NOT NULL"), "0");
    EXPECT_EQ(p->token->limits.purpose, auth::TokenPurpose::Update);
    EXPECT_TRUE(p->token->limits.networks.empty());
    EXPECT_FALSE(p->token->limits.max_age);
    EXPECT_FALSE(p->token->limits.max_unused);
    EXPECT_FALSE(p->token->last_used);
}

TEST_F(PgStoreTest, ATokensLimitsAndLastUseRoundTrip) {
    AdminRepository repo(*db_);
    auth::TokenLimits limits{
        auth::TokenPurpose::Acme,
        {*IpNetwork::parse("192.0.2.0/24"), *IpNetwork::parse("2001:db8::/48")},
        std::chrono::hours(48),
        std::chrono::hours(2)};
    const auto id = repo.add_token("alice", name("a.example.org"), digest('c'), "acme", limits);
    ASSERT_TRUE(id);
    auto p = store_->load_principal("alice", digest('c'));
    ASSERT_TRUE(p && p->token);
    EXPECT_EQ(p->token->token_id, *id);
    EXPECT_EQ(p->token->limits.purpose, auth::TokenPurpose::Acme);
    EXPECT_EQ(p->token->limits.networks, limits.networks);
    EXPECT_EQ(p->token->limits.max_age, std::chrono::seconds(48 * 3600));
    EXPECT_EQ(p->token->limits.max_unused, std::chrono::seconds(2 * 3600));
    EXPECT_LE(p->token->created, auth::Clock::now());

    const auto used = at_micros(1'800'000'000'000'000);
    store_->record_token_use(*id, IpAddress::parse("192.0.2.7"), used);
    p = store_->load_principal("alice", digest('c'));
    EXPECT_EQ(p->token->last_used, used);
    EXPECT_EQ(p->token->last_used_address, IpAddress::parse("192.0.2.7"));
    // An unknown client keeps the last known address.
    store_->record_token_use(*id, std::nullopt, used + std::chrono::hours(1));
    p = store_->load_principal("alice", digest('c'));
    EXPECT_EQ(p->token->last_used, used + std::chrono::hours(1));
    EXPECT_EQ(p->token->last_used_address, IpAddress::parse("192.0.2.7"));

    const auto listed = repo.list_tokens("alice");
    const auto it = std::find_if(listed.begin(), listed.end(),
                                 [&](const TokenSummary& t) { return t.id == *id; });
    ASSERT_NE(it, listed.end());
    EXPECT_EQ(it->name, "acme");
    EXPECT_EQ(it->limits.purpose, auth::TokenPurpose::Acme);
    EXPECT_EQ(it->limits.networks, limits.networks);
    EXPECT_EQ(it->limits.max_unused, limits.max_unused);
    EXPECT_EQ(it->last_used_address, IpAddress::parse("192.0.2.7"));
}

TEST_F(PgStoreTest, MatchingHostScopedToken) {
    auto p = store_->load_principal("alice", digest('b'));
    ASSERT_TRUE(p && p->token);
    EXPECT_EQ(p->token->token_id, scoped_token_);
    EXPECT_EQ(p->token->host_id, host_b_);
}

TEST_F(PgStoreTest, AnotherAccountsTokenDoesNotMatch) {
    auto p = store_->load_principal("alice", digest('f'));
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->token);
    EXPECT_EQ(scalar("SELECT count(*) FROM tokens WHERE last_used IS NOT NULL"), "0");
}

TEST_F(PgStoreTest, UnknownUser) {
    EXPECT_FALSE(store_->load_principal("nobody", ""));
    EXPECT_FALSE(store_->load_principal("nobody", digest('a')));
    EXPECT_FALSE(store_->load_principal("", ""));
}

TEST_F(PgStoreTest, UsernameIsCaseInsensitive) {
    for (const char* user : {"alice", "ALICE", "aLiCe", "Alice"}) {
        auto p = store_->load_principal(user, "");
        ASSERT_TRUE(p) << user;
        EXPECT_EQ(p->account.username, "Alice");
    }
}

TEST_F(PgStoreTest, FindHostOwnerNamesTheOwningAccountAsStored) {
    EXPECT_EQ(store_->find_host_owner(name("b.example.org")), std::optional<std::string>("Alice"));
    EXPECT_EQ(store_->find_host_owner(name("C.Example.NET")), std::optional<std::string>("Alice"))
        << "names are compared in DnsName's lower-case form";
    EXPECT_EQ(store_->find_host_owner(name("bob.example.org")), std::optional<std::string>("bob"));
    // The owner's name leads to the usual principal, which includes the host.
    auto p = store_->load_principal(*store_->find_host_owner(name("c.example.net")), "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->hosts[2].id, host_c_);
}

TEST_F(PgStoreTest, FindHostOwnerOfAnUnknownHostIsEmpty) {
    EXPECT_FALSE(store_->find_host_owner(name("nothere.example.org")));
    EXPECT_FALSE(store_->find_host_owner(name("example.org"))) << "a zone is not a host";
    EXPECT_FALSE(store_->find_host_owner(name("a.example.org.evil.test")));
}

// Records through a change that commits at once (the way the update service does after BIND
// acknowledged).
void record(PgStore& store, std::int64_t id, const std::optional<IpAddress>& v4,
            const std::optional<IpAddress>& v6, auth::TimePoint now) {
    auto change = store.begin_change({id});
    change->record_applied(id, v4, v6, now);
    change->commit();
}

TEST_F(PgStoreTest, RecordAppliedPersistsBothFamilies) {
    auto t1 = at_micros(1'700'000'000'123'456);
    record(*store_, host_a_, IpAddress::parse("192.0.2.7"), IpAddress::parse("2001:db8::7"), t1);
    EXPECT_EQ(scalar("SELECT host(ipv4) || ' ' || host(ipv6) FROM hosts WHERE id = " +
                     std::to_string(host_a_)),
              "192.0.2.7 2001:db8::7");
    EXPECT_EQ(scalar("SELECT (extract(epoch FROM updated_at) * 1000000)::bigint FROM hosts "
                     "WHERE id = " +
                     std::to_string(host_a_)),
              "1700000000123456");

    auto p = store_->load_principal("alice", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->hosts[0].ipv4, IpAddress::parse("192.0.2.7"));
    EXPECT_EQ(p->hosts[0].ipv6, IpAddress::parse("2001:db8::7"));
    EXPECT_EQ(p->hosts[0].last_seen, t1);
    EXPECT_FALSE(p->hosts[1].ipv4);

    // The arguments are the complete new state: a family left out is removed.
    record(*store_, host_a_, std::nullopt, IpAddress::parse("2001:db8::8"),
           at_micros(1'700'000'100'000'000));
    EXPECT_EQ(scalar("SELECT coalesce(host(ipv4), '-') || ' ' || host(ipv6) FROM hosts "
                     "WHERE id = " +
                     std::to_string(host_a_)),
              "- 2001:db8::8");
}

// A round robin (migration 012): the A records beyond ipv4 are loaded with the host, read under
// the lock, kept out of the no-change path, and emptied by the next plain record_applied.
TEST_F(PgStoreTest, ExtraIpv4IsTheRoundRobinAndAPlainApplyEmptiesIt) {
    const auto t1 = at_micros(1'700'000'000'000'000);
    const std::vector<IpAddress> extra{*IpAddress::parse("192.0.2.8"),
                                       *IpAddress::parse("192.0.2.9")};
    {
        auto change = store_->begin_change({host_a_});
        change->record_applied(host_a_, IpAddress::parse("192.0.2.7"), std::nullopt, t1);
        change->record_extra_ipv4(host_a_, extra);
        change->commit();
    }
    auto p = store_->load_principal("alice", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->hosts[0].extra_ipv4, extra);
    EXPECT_TRUE(p->hosts[1].extra_ipv4.empty());
    {
        auto change = store_->begin_change({host_a_});
        EXPECT_EQ(change->locked().at(0).extra_ipv4, extra);
    }
    EXPECT_FALSE(store_->record_seen_if_unchanged(
        auth::StoredAddresses{host_a_, IpAddress::parse("192.0.2.7"), std::nullopt}, t1))
        << "a round robin is not the state {192.0.2.7}";
    record(*store_, host_a_, IpAddress::parse("192.0.2.7"), std::nullopt, t1);
    p = store_->load_principal("alice", "");
    EXPECT_TRUE(p->hosts[0].extra_ipv4.empty());
    // The schema: IPv4 host addresses only, at most 9, never without ipv4.
    auto conn = db_->lease();
    const std::string id = std::to_string(host_a_);
    EXPECT_FALSE(conn->try_exec("UPDATE hosts SET extra_ipv4 = '{2001:db8::1}' WHERE id = " + id)
                     .has_value());
    EXPECT_FALSE(conn->try_exec("UPDATE hosts SET extra_ipv4 = '{192.0.2.0/24}' WHERE id = " + id)
                     .has_value());
    EXPECT_FALSE(conn->try_exec("UPDATE hosts SET ipv4 = NULL, extra_ipv4 = '{192.0.2.1}' "
                                "WHERE id = " +
                                id)
                     .has_value());
    EXPECT_FALSE(conn->try_exec("UPDATE hosts SET extra_ipv4 = array_fill('192.0.2.1'::inet, "
                                "ARRAY[10]) WHERE id = " +
                                id)
                     .has_value());
    EXPECT_TRUE(conn->try_exec("UPDATE hosts SET extra_ipv4 = array_fill('192.0.2.1'::inet, "
                               "ARRAY[9]) WHERE id = " +
                               id)
                    .has_value());
}

TEST_F(PgStoreTest, RecordSeenTouchesOnlyLastSeen) {
    record(*store_, host_b_, IpAddress::parse("198.51.100.1"), std::nullopt,
           at_micros(1'700'000'000'000'000));
    auto t2 = at_micros(1'700'000'500'000'001);
    EXPECT_TRUE(store_->record_seen_if_unchanged(
        auth::StoredAddresses{host_b_, IpAddress::parse("198.51.100.1"), std::nullopt}, t2));
    EXPECT_EQ(
        scalar("SELECT host(ipv4) || ' ' || (extract(epoch FROM updated_at) * 1000000)::bigint"
               " || ' ' || (extract(epoch FROM last_seen) * 1000000)::bigint"
               " FROM hosts WHERE id = " +
               std::to_string(host_b_)),
        "198.51.100.1 1700000000000000 1700000500000001");
    auto p = store_->load_principal("alice", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->hosts[1].last_seen, t2);
}

// The no-change path must not refresh a host whose row moved on: a different address, another
// family, an offline host, a removed host.
TEST_F(PgStoreTest, RecordSeenIfUnchangedRefusesAHostThatChangedOrWentOffline) {
    const auto t1 = at_micros(1'700'000'000'000'000);
    record(*store_, host_b_, IpAddress::parse("198.51.100.1"), std::nullopt, t1);
    const auto later = at_micros(1'700'000'900'000'000);
    EXPECT_FALSE(store_->record_seen_if_unchanged(
        auth::StoredAddresses{host_b_, IpAddress::parse("198.51.100.2"), std::nullopt}, later));
    EXPECT_FALSE(store_->record_seen_if_unchanged(
        auth::StoredAddresses{host_b_, IpAddress::parse("198.51.100.1"),
                              IpAddress::parse("2001:db8::1")},
        later));
    EXPECT_FALSE(store_->record_seen_if_unchanged(
        auth::StoredAddresses{999999, std::nullopt, std::nullopt}, later));
    {
        auto change = store_->begin_change({host_b_});
        change->record_offline(host_b_, std::nullopt, std::nullopt, auth::OfflineReason::Heartbeat,
                               t1);
        change->commit();
    }
    EXPECT_FALSE(store_->record_seen_if_unchanged(
        auth::StoredAddresses{host_b_, std::nullopt, std::nullopt}, later));
    EXPECT_EQ(scalar("SELECT (extract(epoch FROM last_seen) * 1000000)::bigint FROM hosts "
                     "WHERE id = " +
                     std::to_string(host_b_)),
              "1700000000000000")
        << "last_seen must be untouched";
}

// The state is more than the addresses: a router's prefix (the derived hosts follow it) and the
// wildcard mirror. A no-change write for a state whose prefix or mirror moved on is refused.
TEST_F(PgStoreTest, RecordSeenIfUnchangedComparesThePrefixAndTheWildcardToo) {
    const auto t1 = at_micros(1'700'000'000'000'000);
    const auto v4 = IpAddress::parse("198.51.100.1");
    record(*store_, host_b_, v4, std::nullopt, t1);
    const std::string id = std::to_string(host_b_);
    ASSERT_TRUE(scalar("UPDATE hosts SET wildcard = true WHERE id = " + id + " RETURNING 1"));
    const auto later = at_micros(1'700'000'900'000'000);
    auth::StoredAddresses expected{host_b_, v4, std::nullopt};
    EXPECT_FALSE(store_->record_seen_if_unchanged(expected, later))
        << "the mirror was switched on since the state was read";
    expected.wildcard = true;
    ASSERT_TRUE(scalar("UPDATE hosts SET ipv6_prefix = '2001:db8:1::/56' WHERE id = " + id +
                       " RETURNING 1"));
    EXPECT_FALSE(store_->record_seen_if_unchanged(expected, later)) << "a new prefix";
    EXPECT_EQ(scalar("SELECT (extract(epoch FROM last_seen) * 1000000)::bigint FROM hosts "
                     "WHERE id = " +
                     id),
              "1700000000000000");
    expected.ipv6_prefix = IpNetwork::parse("2001:db8:1::/56");
    EXPECT_TRUE(store_->record_seen_if_unchanged(expected, later));
}

// A host in doubt never takes the no-change path; the locked path sees the mark, and recording
// the state BIND acknowledged clears it. The earliest mark is kept.
TEST_F(PgStoreTest, AHostInDoubtIsMarkedSeenUnderTheLockAndSettledByTheNextApplied) {
    const auto t1 = at_micros(1'700'000'000'000'000);
    const auto v4 = IpAddress::parse("198.51.100.1");
    record(*store_, host_b_, v4, std::nullopt, t1);
    store_->mark_in_doubt({host_b_}, at_micros(1'700'000'100'000'000));
    store_->mark_in_doubt({host_b_}, at_micros(1'700'000'200'000'000));
    EXPECT_EQ(scalar("SELECT (extract(epoch FROM dns_in_doubt_since) * 1000000)::bigint FROM "
                     "hosts WHERE id = " +
                     std::to_string(host_b_)),
              "1700000100000000");
    const auto later = at_micros(1'700'000'900'000'000);
    EXPECT_FALSE(
        store_->record_seen_if_unchanged(auth::StoredAddresses{host_b_, v4, std::nullopt}, later));
    {
        auto change = store_->begin_change({host_b_});
        ASSERT_EQ(change->locked().size(), 1u);
        EXPECT_TRUE(change->locked()[0].in_doubt);
        change->record_applied(host_b_, v4, std::nullopt, later);
        change->commit();
    }
    EXPECT_EQ(scalar("SELECT dns_in_doubt_since IS NULL FROM hosts WHERE id = " +
                     std::to_string(host_b_)),
              "t");
    EXPECT_TRUE(
        store_->record_seen_if_unchanged(auth::StoredAddresses{host_b_, v4, std::nullopt}, later));
}

TEST_F(PgStoreTest, OfflineStateIsRecordedLoadedAndClearedByTheNextApplied) {
    const auto t1 = at_micros(1'700'000'000'000'000);
    record(*store_, host_a_, IpAddress::parse("192.0.2.7"), IpAddress::parse("2001:db8::7"), t1);
    const auto t2 = at_micros(1'700'000'100'000'000);
    {
        auto change = store_->begin_change({host_a_});
        EXPECT_FALSE(change->locked().at(0).offline);
        change->record_offline(host_a_, IpAddress::parse("0.0.0.0"), IpAddress::parse("::"),
                               auth::OfflineReason::Request, t2);
        change->commit();
    }
    const std::string id = std::to_string(host_a_);
    EXPECT_EQ(scalar("SELECT host(ipv4) || ' ' || host(ipv6) || ' ' || offline_reason || ' ' ||"
                     " (extract(epoch FROM offline_since) * 1000000)::bigint || ' ' ||"
                     " (extract(epoch FROM last_seen) * 1000000)::bigint FROM hosts WHERE id = " +
                     id),
              "0.0.0.0 :: request 1700000100000000 1700000000000000")
        << "going offline leaves last_seen alone";
    auto p = store_->load_principal("alice", "");
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->hosts[0].offline);
    EXPECT_FALSE(p->hosts[1].offline);
    EXPECT_TRUE(store_->begin_change({host_a_})->locked().at(0).offline);

    record(*store_, host_a_, IpAddress::parse("192.0.2.8"), std::nullopt, t2);
    EXPECT_EQ(scalar("SELECT offline_since IS NULL AND offline_reason IS NULL FROM hosts "
                     "WHERE id = " +
                     id),
              "t");
    p = store_->load_principal("alice", "");
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->hosts[0].offline);
}

TEST_F(PgStoreTest, HeartbeatTimeoutIsTheHostsOwnOverTheZones) {
    AdminRepository repo(*db_);
    ASSERT_FALSE(repo.set_zone_heartbeat(name("example.org"), std::chrono::seconds(1200)));
    ASSERT_FALSE(repo.set_zone_offline_action(name("example.org"), auth::OfflineAction::Sentinel));
    ASSERT_FALSE(repo.set_host_heartbeat(name("b.example.org"), std::chrono::seconds(0)));
    ASSERT_FALSE(repo.set_host_heartbeat(name("c.example.net"), std::chrono::seconds(90)));
    auto p = store_->load_principal("alice", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->hosts[0].heartbeat_timeout, std::chrono::seconds(1200)) << "the zone's";
    EXPECT_EQ(p->hosts[1].heartbeat_timeout, std::nullopt) << "off for this host";
    EXPECT_EQ(p->hosts[2].heartbeat_timeout, std::chrono::seconds(90)) << "its own";
    EXPECT_EQ(p->hosts[0].zone->heartbeat_timeout, std::chrono::seconds(1200));
    EXPECT_EQ(p->hosts[0].zone->offline_action, auth::OfflineAction::Sentinel);
    EXPECT_EQ(p->hosts[2].zone->offline_action, auth::OfflineAction::Delete);
    EXPECT_EQ(repo.set_host_heartbeat(name("nope.example.org"), std::nullopt),
              AdminError::NotFound);
    EXPECT_EQ(repo.set_zone_heartbeat(name("nope.test"), std::nullopt), AdminError::NotFound);
}

TEST_F(PgStoreTest, OfflineActionIsLoadedAsTheHostsOwnSetting) {
    AdminRepository repo(*db_);
    ASSERT_FALSE(
        repo.set_host_offline_action(name("b.example.org"), auth::OfflineAction::Sentinel));
    ASSERT_FALSE(repo.set_host_offline_action(name("c.example.net"), auth::OfflineAction::Delete));
    auto p = store_->load_principal("alice", "");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->hosts[0].offline_action, std::nullopt) << "follows its zone";
    EXPECT_EQ(p->hosts[1].offline_action, auth::OfflineAction::Sentinel);
    EXPECT_EQ(p->hosts[2].offline_action, auth::OfflineAction::Delete);
    const auto shown = repo.find_host(name("b.example.org"));
    ASSERT_TRUE(shown);
    EXPECT_EQ(shown->offline_action_setting, auth::OfflineAction::Sentinel);
    EXPECT_EQ(shown->zone_offline_action, auth::OfflineAction::Delete);
    ASSERT_FALSE(repo.set_host_offline_action(name("b.example.org"), std::nullopt));
    EXPECT_EQ(scalar("SELECT offline_action IS NULL FROM hosts WHERE name = 'b.example.org'"), "t");
    EXPECT_EQ(repo.set_host_offline_action(name("nope.example.org"), std::nullopt),
              AdminError::NotFound);
}

TEST_F(PgStoreTest, BeginChangeReadsTheStoredStateAndSkipsMissingHosts) {
    record(*store_, host_b_, IpAddress::parse("198.51.100.2"), IpAddress::parse("2001:db8::2"),
           at_micros(1'700'000'000'000'000));
    auto change = store_->begin_change({host_b_, host_a_, 999999});
    ASSERT_EQ(change->locked().size(), 2u);
    EXPECT_EQ(change->locked()[0].host_id, std::min(host_a_, host_b_)) << "ascending id order";
    for (const auto& row : change->locked()) {
        if (row.host_id == host_b_) {
            EXPECT_EQ(row.ipv4, IpAddress::parse("198.51.100.2"));
            EXPECT_EQ(row.ipv6, IpAddress::parse("2001:db8::2"));
        } else {
            EXPECT_FALSE(row.ipv4);
            EXPECT_FALSE(row.ipv6);
        }
    }
}

TEST_F(PgStoreTest, AChangeNotCommittedIsRolledBack) {
    {
        auto change = store_->begin_change({host_a_});
        change->record_applied(host_a_, IpAddress::parse("192.0.2.99"), std::nullopt,
                               at_micros(1'700'000'000'000'000));
    }
    EXPECT_EQ(
        scalar("SELECT coalesce(host(ipv4), '-') FROM hosts WHERE id = " + std::to_string(host_a_)),
        "-");
}

TEST_F(PgStoreTest, ASecondChangeOfTheSameHostWaitsForTheFirst) {
    auto first = store_->begin_change({host_a_});
    std::atomic<bool> second_locked{false};
    std::optional<IpAddress> seen_by_second;
    std::thread other([&] {
        auto second = store_->begin_change({host_a_});
        second_locked = true;
        seen_by_second = second->locked().at(0).ipv4;
        second->commit();
    });
    // PostgreSQL reports the second backend waiting for a lock: proof it is blocked on the row.
    const bool waiting = ddns::test::wait_until([&] {
        return scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") ==
               std::optional<std::string>("1");
    });
    EXPECT_TRUE(waiting) << "the second change never waited for the row lock";
    EXPECT_FALSE(second_locked.load()) << "the row lock did not block the second change";
    first->record_applied(host_a_, IpAddress::parse("192.0.2.77"), std::nullopt,
                          at_micros(1'700'000'000'000'000));
    first->commit();
    other.join();
    EXPECT_TRUE(second_locked.load());
    EXPECT_EQ(seen_by_second, IpAddress::parse("192.0.2.77"))
        << "the second change reads the state the first one committed";
}

TEST_F(PgStoreTest, DatabaseDownThrowsStoreErrorThenRecovers) {
    ASSERT_TRUE(store_->load_principal("alice", ""));  // the pool holds an open connection
    postgres().stop();
    EXPECT_THROW(store_->load_principal("alice", ""), auth::StoreError);
    EXPECT_THROW(store_->find_host_owner(name("a.example.org")), auth::StoreError);
    EXPECT_THROW(store_->record_seen_if_unchanged(auth::StoredAddresses{host_a_, {}, {}},
                                                  auth::Clock::now()),
                 auth::StoreError);
    postgres().start_again();
    auto p = store_->load_principal("alice", digest('a'));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->hosts.size(), 3U);
    EXPECT_TRUE(store_->record_seen_if_unchanged(auth::StoredAddresses{host_a_, {}, {}},
                                                 at_micros(1'700'000'000'000'000)));
    EXPECT_EQ(
        scalar("SELECT last_seen IS NOT NULL FROM hosts WHERE id = " + std::to_string(host_a_)),
        "t");
}

}  // namespace
}  // namespace ddns::sql::test
