// AdminRepository against a migrated database: zones, accounts, hosts, tokens and every
// AdminError, asserted on the rows.
#include "ddns/sql/admin_repository.hpp"

#include <gtest/gtest.h>

#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"

namespace ddns::sql::test {
namespace {

class AdminRepositoryTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        migrate(*db_);
        repo_ = std::make_unique<AdminRepository>(*db_);
    }

    std::int64_t add_zone(std::string_view zone, std::uint32_t ttl = 60) {
        ZoneSpec spec{name(zone), *parse_server_endpoint("127.0.0.1:5300"), &key_, ttl};
        auto id = repo_->add_zone(spec);
        EXPECT_TRUE(id) << zone;
        return id ? *id : 0;
    }
    std::int64_t add_account(std::string_view user) {
        auto id = repo_->add_account(user, std::string(user) + "@example.net", auth::Plan::Free,
                                     "$argon2id$hash");
        EXPECT_TRUE(id) << user;
        return id ? *id : 0;
    }

    TsigKey key_ = test_tsig_key();
    std::unique_ptr<AdminRepository> repo_;
};

TEST_F(AdminRepositoryTest, ZonesAddFindListRemove) {
    auto id = add_zone("example.org", 120);
    add_zone("dyn.example.com");

    ZoneSpec dup{name("EXAMPLE.org"), *parse_server_endpoint("127.0.0.1:53"), &key_, 60};
    auto again = repo_->add_zone(dup);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), AdminError::AlreadyExists);

    auto zone = repo_->find_zone(name("example.org"));
    ASSERT_TRUE(zone);
    EXPECT_EQ(zone->id, id);
    EXPECT_EQ(zone->server, *parse_server_endpoint("127.0.0.1:5300"));
    EXPECT_EQ(zone->key.name, name("gw-key"));
    EXPECT_EQ(zone->key.algorithm, TsigAlgorithm::HmacSha256);
    EXPECT_TRUE(zone->key.secret.equals(key_.secret));
    EXPECT_EQ(zone->default_ttl, 120U);
    EXPECT_FALSE(repo_->find_zone(name("nowhere.org")));

    auto zones = repo_->list_zones();
    ASSERT_EQ(zones.size(), 2U);
    EXPECT_EQ(zones[0].name, name("dyn.example.com"));
    EXPECT_EQ(zones[1].name, name("example.org"));
    EXPECT_EQ(zones[1].key_name, "gw-key");
    EXPECT_EQ(zones[1].key_algorithm, "hmac-sha256");
    EXPECT_EQ(zones[1].host_count, 0);
    EXPECT_EQ(scalar("SELECT server_address || ':' || server_port FROM zones WHERE id = " +
                     std::to_string(id)),
              "127.0.0.1:5300");

    EXPECT_EQ(repo_->remove_zone(name("example.org")), std::nullopt);
    EXPECT_EQ(repo_->remove_zone(name("example.org")), AdminError::NotFound);
    EXPECT_EQ(scalar("SELECT count(*) FROM zones"), "1");
}

TEST_F(AdminRepositoryTest, RemovingAZoneWithHostsIsStillInUse) {
    add_zone("example.org");
    add_account("alice");
    ASSERT_TRUE(repo_->add_host(name("a.example.org"), "alice"));
    EXPECT_EQ(repo_->remove_zone(name("example.org")), AdminError::StillInUse);
    EXPECT_EQ(repo_->list_zones().at(0).host_count, 1);
    ASSERT_EQ(repo_->remove_host(name("a.example.org")), std::nullopt);
    EXPECT_EQ(repo_->remove_zone(name("example.org")), std::nullopt);
}

TEST_F(AdminRepositoryTest, AccountsAddListRemoveCaseInsensitively) {
    auto id = add_account("Alice");
    add_account("bob");
    auto dup = repo_->add_account("ALICE", "", auth::Plan::Domain, "x");
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error(), AdminError::AlreadyExists);

    auto accounts = repo_->list_accounts();
    ASSERT_EQ(accounts.size(), 2U);
    EXPECT_EQ(accounts[0].id, id);
    EXPECT_EQ(accounts[0].username, "Alice");
    EXPECT_EQ(accounts[0].email, "Alice@example.net");
    EXPECT_EQ(accounts[0].plan, auth::Plan::Free);
    EXPECT_FALSE(accounts[0].dynamic_updates);
    EXPECT_FALSE(accounts[0].disabled);
    EXPECT_FALSE(accounts[0].expires_at);
    EXPECT_EQ(scalar("SELECT password_hash FROM accounts WHERE id = " + std::to_string(id)),
              "$argon2id$hash");

    add_zone("example.org");
    ASSERT_TRUE(repo_->add_host(name("a.example.org"), "alice"));
    ASSERT_TRUE(repo_->add_token("alice", std::nullopt, digest('a')));
    ASSERT_TRUE(repo_->add_token("alice", name("a.example.org"), digest('b')));
    EXPECT_EQ(repo_->list_accounts()[0].host_count, 1);

    EXPECT_EQ(repo_->remove_account("aLiCe"), std::nullopt);
    EXPECT_EQ(repo_->remove_account("alice"), AdminError::NotFound);
    EXPECT_EQ(scalar("SELECT count(*) FROM accounts"), "1");
    EXPECT_EQ(scalar("SELECT count(*) FROM hosts"), "0");
    EXPECT_EQ(scalar("SELECT count(*) FROM tokens"), "0");
}

TEST_F(AdminRepositoryTest, DynamicUpdatesSwitchPerAccount) {
    auto alice = add_account("alice");
    auto bob = add_account("bob");
    auto flag = [&](std::int64_t id) {
        return scalar("SELECT dynamic_updates FROM accounts WHERE id = " + std::to_string(id));
    };
    EXPECT_EQ(flag(alice), "f") << "off by default";
    EXPECT_EQ(repo_->set_dynamic_updates("ALICE", true), std::nullopt);
    EXPECT_EQ(flag(alice), "t");
    EXPECT_EQ(flag(bob), "f") << "only the named account changes";
    EXPECT_TRUE(repo_->list_accounts()[0].dynamic_updates);
    EXPECT_EQ(repo_->set_dynamic_updates("alice", false), std::nullopt);
    EXPECT_EQ(flag(alice), "f");
    EXPECT_EQ(repo_->set_dynamic_updates("nobody", true), AdminError::NoSuchAccount);
}

TEST_F(AdminRepositoryTest, HostGoesIntoTheLongestContainingZone) {
    auto outer = add_zone("example.org", 300);
    auto inner = add_zone("dyn.example.org", 30);
    add_zone("ample.org");  // a string suffix, not a parent: never chosen for example.org names
    add_account("alice");

    auto a = repo_->add_host(name("a.dyn.example.org"), "ALICE");
    auto b = repo_->add_host(name("b.example.org"), "alice");
    auto apex = repo_->add_host(name("dyn.example.org"), "alice");
    ASSERT_TRUE(a && b && apex);
    EXPECT_EQ(scalar("SELECT zone_id || '/' || ttl FROM hosts WHERE id = " + std::to_string(*a)),
              std::to_string(inner) + "/30");
    EXPECT_EQ(scalar("SELECT zone_id || '/' || ttl FROM hosts WHERE id = " + std::to_string(*b)),
              std::to_string(outer) + "/300");
    EXPECT_EQ(scalar("SELECT zone_id FROM hosts WHERE id = " + std::to_string(*apex)),
              std::to_string(inner));

    auto host = repo_->find_host(name("a.dyn.example.org"));
    ASSERT_TRUE(host);
    EXPECT_EQ(host->id, *a);
    EXPECT_EQ(host->zone, name("dyn.example.org"));
    EXPECT_EQ(host->username, "alice");
    EXPECT_EQ(host->ttl, 30U);
    EXPECT_FALSE(host->ipv4);
    EXPECT_FALSE(host->ipv6);
    EXPECT_FALSE(host->last_seen);
    EXPECT_FALSE(repo_->find_host(name("zzz.example.org")));
}

TEST_F(AdminRepositoryTest, AddHostErrors) {
    add_zone("example.org");
    add_account("alice");
    ASSERT_TRUE(repo_->add_host(name("a.example.org"), "alice"));

    struct Row {
        const char* fqdn;
        const char* user;
        AdminError error;
    };
    const Row rows[] = {
        {"a.example.net", "alice", AdminError::NoSuchZone},
        {"xexample.org", "alice", AdminError::NoSuchZone},
        {"b.example.org", "nobody", AdminError::NoSuchAccount},
        {"a.example.org", "alice", AdminError::AlreadyExists},
        {"A.Example.Org", "alice", AdminError::AlreadyExists},
    };
    for (const auto& row : rows) {
        auto result = repo_->add_host(name(row.fqdn), row.user);
        ASSERT_FALSE(result) << row.fqdn;
        EXPECT_EQ(result.error(), row.error) << row.fqdn;
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM hosts"), "1");
}

TEST_F(AdminRepositoryTest, ListAndRemoveHosts) {
    add_zone("example.org");
    add_account("alice");
    add_account("bob");
    ASSERT_TRUE(repo_->add_host(name("b.example.org"), "alice"));
    ASSERT_TRUE(repo_->add_host(name("a.example.org"), "alice"));
    ASSERT_TRUE(repo_->add_host(name("c.example.org"), "bob"));
    ASSERT_TRUE(repo_->add_token("alice", name("a.example.org"), digest('1')));

    EXPECT_EQ(repo_->list_hosts().size(), 3U);
    auto alices = repo_->list_hosts("ALICE");
    ASSERT_EQ(alices.size(), 2U);
    EXPECT_EQ(alices[0].name, name("a.example.org"));
    EXPECT_EQ(alices[1].name, name("b.example.org"));
    EXPECT_TRUE(repo_->list_hosts("nobody").empty());

    EXPECT_EQ(repo_->remove_host(name("a.example.org")), std::nullopt);
    EXPECT_EQ(repo_->remove_host(name("a.example.org")), AdminError::NotFound);
    // The token limited to the removed host went with it.
    EXPECT_EQ(scalar("SELECT count(*) FROM tokens"), "0");
    EXPECT_EQ(scalar("SELECT count(*) FROM hosts"), "2");
}

TEST_F(AdminRepositoryTest, TokensAddListRemoveAndErrors) {
    add_zone("example.org");
    add_account("alice");
    add_account("bob");
    ASSERT_TRUE(repo_->add_host(name("a.example.org"), "alice"));
    ASSERT_TRUE(repo_->add_host(name("b.example.org"), "bob"));

    auto wide = repo_->add_token("Alice", std::nullopt, digest('a'));
    auto scoped = repo_->add_token("alice", name("a.example.org"), digest('b'));
    ASSERT_TRUE(wide && scoped);

    struct Row {
        const char* user;
        std::optional<DnsName> host;
        std::string digest;
        AdminError error;
    };
    const Row rows[] = {
        {"nobody", std::nullopt, digest('c'), AdminError::NoSuchAccount},
        {"alice", name("zzz.example.org"), digest('c'), AdminError::NoSuchHost},
        {"alice", name("b.example.org"), digest('c'), AdminError::NoSuchHost},  // bob's host
        {"bob", std::nullopt, digest('a'), AdminError::AlreadyExists},
    };
    for (const auto& row : rows) {
        auto result = repo_->add_token(row.user, row.host, row.digest);
        ASSERT_FALSE(result) << row.user;
        EXPECT_EQ(result.error(), row.error) << row.user;
    }

    auto tokens = repo_->list_tokens();
    ASSERT_EQ(tokens.size(), 2U);
    EXPECT_EQ(tokens[0].id, *wide);
    EXPECT_EQ(tokens[0].username, "alice");
    EXPECT_FALSE(tokens[0].host);
    EXPECT_FALSE(tokens[0].last_used);
    EXPECT_EQ(tokens[1].host, name("a.example.org"));
    EXPECT_LE(tokens[1].created, auth::Clock::now() + std::chrono::minutes(1));
    EXPECT_EQ(repo_->list_tokens("BOB").size(), 0U);
    EXPECT_EQ(scalar("SELECT host_id FROM tokens WHERE id = " + std::to_string(*scoped)),
              scalar("SELECT id FROM hosts WHERE name = 'a.example.org'"));

    EXPECT_EQ(repo_->remove_token(*wide), std::nullopt);
    EXPECT_EQ(repo_->remove_token(*wide), AdminError::NotFound);
    EXPECT_EQ(scalar("SELECT count(*) FROM tokens"), "1");
}

TEST_F(AdminRepositoryTest, ExpirySetClearAndUnknownAccount) {
    const auto id = add_account("Alice");
    add_account("bob");
    // 2031-05-06T07:08:09.123456Z: PostgreSQL keeps microseconds, and so does the round trip.
    const auth::TimePoint when = auth::TimePoint(std::chrono::microseconds(1'935'817'689'123'456));
    auto stored = repo_->set_expiry("aLiCe", when);
    ASSERT_TRUE(stored);
    EXPECT_EQ(*stored, std::optional(when));
    EXPECT_EQ(scalar("SELECT to_char(expires_at AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS.US') FROM accounts WHERE id = " +
                     std::to_string(id)),
              "2031-05-06T07:08:09.123456");
    EXPECT_EQ(repo_->list_accounts()[0].expires_at, std::optional(when));
    EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE expires_at IS NOT NULL"), "1")
        << "only alice changed";

    stored = repo_->set_expiry("alice", std::nullopt);
    ASSERT_TRUE(stored);
    EXPECT_FALSE(*stored);
    EXPECT_EQ(scalar("SELECT expires_at IS NULL FROM accounts WHERE id = " + std::to_string(id)),
              "t");

    const auto unknown = repo_->set_expiry("nobody", when);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error(), AdminError::NoSuchAccount);
    EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE expires_at IS NOT NULL"), "0");
}

// ---- zones owned by domain accounts, and their records ----

class OwnedZoneTest : public AdminRepositoryTest {
protected:
    void SetUp() override {
        AdminRepositoryTest::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_TRUE(repo_->add_account("dora", "", auth::Plan::Domain, "$argon2id$hash"));
        add_account("fred");
    }
    Expected<std::int64_t, AdminError> add_owned(std::string_view zone, std::string owner) {
        return repo_->add_zone(ZoneSpec{name(zone), *parse_server_endpoint("127.0.0.1:5300"), &key_,
                                        60, std::move(owner)});
    }
    // A record row as the record service leaves it after BIND acknowledged.
    void add_record(std::int64_t zone, std::string_view owner) {
        EXPECT_EQ(scalar("INSERT INTO records (zone_id, name, type, ttl, target) VALUES (" +
                         std::to_string(zone) + ", '" + std::string(owner) +
                         "', 'CNAME', 60, 'www.example.org') RETURNING 'ok'"),
                  "ok");
    }
};

TEST_F(OwnedZoneTest, OnlyAnExistingDomainAccountCanOwnAZone) {
    auto free = add_owned("free.example.org", "fred");
    ASSERT_FALSE(free);
    EXPECT_EQ(free.error(), AdminError::NotDomainAccount);
    auto nobody = add_owned("nobody.example.org", "nobody");
    ASSERT_FALSE(nobody);
    EXPECT_EQ(nobody.error(), AdminError::NoSuchAccount);
    EXPECT_EQ(scalar("SELECT count(*) FROM zones"), "0");

    auto id = add_owned("example.org", "DORA");
    ASSERT_TRUE(id);
    add_zone("shared.example.org");
    EXPECT_EQ(scalar("SELECT a.username FROM zones z JOIN accounts a ON a.id = z.owner_account_id"
                     " WHERE z.id = " +
                     std::to_string(*id)),
              "dora");
    auto zone = repo_->find_zone(name("example.org"));
    ASSERT_TRUE(zone);
    EXPECT_TRUE(zone->owner_account_id);
    EXPECT_FALSE(repo_->find_zone(name("shared.example.org"))->owner_account_id);
    auto owner = repo_->zone_owner(*id);
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->username, "dora");
    EXPECT_EQ(owner->plan, auth::Plan::Domain);
    EXPECT_FALSE(repo_->zone_owner(repo_->find_zone(name("shared.example.org"))->id));

    add_record(*id, "alias.example.org");
    auto zones = repo_->list_zones();
    ASSERT_EQ(zones.size(), 2U);
    EXPECT_EQ(zones[0].owner, "dora");
    EXPECT_EQ(zones[0].record_count, 1);
    EXPECT_FALSE(zones[1].owner);
    EXPECT_EQ(zones[1].record_count, 0);
}

TEST_F(OwnedZoneTest, FindZoneContainingPicksTheInnermostZone) {
    auto outer = *add_owned("example.org", "dora");
    add_zone("dyn.example.org");
    EXPECT_EQ(repo_->find_zone_containing(name("www.example.org"))->id, outer);
    EXPECT_EQ(repo_->find_zone_containing(name("example.org"))->id, outer);
    EXPECT_EQ(repo_->find_zone_containing(name("a.dyn.example.org"))->name,
              name("dyn.example.org"));
    EXPECT_FALSE(repo_->find_zone_containing(name("example.net")));
}

TEST_F(OwnedZoneTest, RecordsKeepTheirZoneAndNameAndTheOwnerItsAccount) {
    auto zone = *add_owned("example.org", "dora");
    add_record(zone, "alias.example.org");
    // A host cannot take a name that holds records; another name is fine.
    auto taken = repo_->add_host(name("alias.example.org"), "fred");
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error(), AdminError::HoldsRecords);
    EXPECT_TRUE(repo_->add_host(name("home.example.org"), "fred"));
    ASSERT_EQ(repo_->remove_host(name("home.example.org")), std::nullopt);

    EXPECT_EQ(repo_->remove_zone(name("example.org")), AdminError::StillInUse);
    // The owner of a zone stays, with everything it has.
    ASSERT_TRUE(repo_->add_host(name("dora.example.org"), "dora"));
    ASSERT_TRUE(repo_->add_token("dora", std::nullopt, digest('d')));
    EXPECT_EQ(repo_->remove_account("dora"), AdminError::StillInUse);
    EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE username = 'dora'"), "1");
    EXPECT_EQ(scalar("SELECT count(*) FROM hosts WHERE name = 'dora.example.org'"), "1");
    EXPECT_EQ(scalar("SELECT count(*) FROM tokens"), "1");

    ASSERT_TRUE(scalar("DELETE FROM records RETURNING 'gone'"));
    ASSERT_EQ(repo_->remove_host(name("dora.example.org")), std::nullopt);
    EXPECT_EQ(repo_->remove_zone(name("example.org")), std::nullopt);
    EXPECT_EQ(repo_->remove_account("dora"), std::nullopt);
}

}  // namespace
}  // namespace ddns::sql::test
