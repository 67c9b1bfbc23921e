// CachedStore at its capacity: a full cache makes room by dropping the principal used longest
// ago (not by emptying itself), keeps answering the recently used ones from memory, and still
// drops a credential's copy on a change of its account after another credential of the same
// account was evicted. Also measures what one cached principal costs in memory.
#include <gtest/gtest.h>

#include <malloc.h>

#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/cached_store.hpp"
#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

using std::chrono::seconds;

class CachedStoreLruTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_NO_FATAL_FAILURE(migrate_with_example_zone());
        AdminRepository repo(*db_);
        for (const char user : std::string("abcd")) {
            const std::string username(1, user);
            ASSERT_TRUE(repo.add_account(username, "", auth::Plan::Free, "hash"));
            hosts_[username] = *repo.add_host(name(username + ".example.org"), username);
            ASSERT_TRUE(repo.add_token(username, std::nullopt, digest(user)));
        }
        pg_ = std::make_unique<PgStore>(*db_);
    }
    void start(std::size_t capacity) {
        CacheOptions options{seconds(60)};
        options.capacity = capacity;
        cache_ = std::make_unique<CachedStore>(*pg_, *db_, conninfo_, options);
        ASSERT_TRUE(cache_->wait_listening(seconds(20)));
    }
    // Loads `user` with the token of `token_of` (default: its own); true when from memory.
    bool hit(const std::string& user, char token_of = 0) {
        const auto hits = cache_->counters().hits;
        const auto p = cache_->load_principal(user, digest(token_of ? token_of : user[0]));
        EXPECT_TRUE(p && p->token) << user;
        return cache_->counters().hits > hits;
    }

    std::map<std::string, std::int64_t> hosts_;
    std::unique_ptr<PgStore> pg_;
    std::unique_ptr<CachedStore> cache_;
};

TEST_F(CachedStoreLruTest, AFullCacheDropsThePrincipalUsedLongestAgoAndKeepsTheOthers) {
    start(3);
    EXPECT_FALSE(hit("a"));
    EXPECT_FALSE(hit("b"));
    EXPECT_FALSE(hit("c"));
    EXPECT_TRUE(hit("a"));  // b is now the one used longest ago
    EXPECT_FALSE(hit("d"));
    EXPECT_EQ(cache_->counters().evictions, 1U);
    EXPECT_EQ(cache_->counters().entries, 3U);
    EXPECT_TRUE(hit("a"));
    EXPECT_TRUE(hit("c"));
    EXPECT_TRUE(hit("d"));
    EXPECT_FALSE(hit("b")) << "the principal used longest ago was kept";
    // b came back in place of a (now the one used longest ago); c and d stay.
    EXPECT_EQ(cache_->counters().evictions, 2U);
    EXPECT_TRUE(hit("c"));
    EXPECT_TRUE(hit("d"));
    EXPECT_TRUE(hit("b"));
    EXPECT_FALSE(hit("a"));
    EXPECT_EQ(cache_->counters().entries, 3U);
}

// Two credentials of one account are two entries sharing the account's hosts: evicting one
// must not forget whose hosts they are, or a change through this instance would leave the
// other copy in place until the notification arrives.
TEST_F(CachedStoreLruTest, EvictingOneCredentialOfAnAccountKeepsTheOtherInvalidatable) {
    AdminRepository repo(*db_);
    ASSERT_TRUE(repo.add_token("a", std::nullopt, digest('e')));
    start(2);
    EXPECT_FALSE(hit("a"));
    EXPECT_FALSE(hit("a", 'e'));
    EXPECT_FALSE(hit("b"));  // evicts a with its own token
    EXPECT_TRUE(hit("a", 'e'));
    cache_->invalidate_hosts({hosts_.at("a")});
    EXPECT_FALSE(hit("a", 'e')) << "the account's other copy outlived a change of its host";
    EXPECT_TRUE(hit("b"));
}

// What one cached principal costs (heap bytes, all arenas): accounts with one host, its
// addresses and one token each, as a polling router's principal looks. The figure sizes
// cache.capacity (docs/sizing.md); the bound fails the test when an entry grows much larger.
TEST_F(CachedStoreLruTest, ACachedPrincipalCostsLittleMoreThanAKilobyte) {
    constexpr int kPrincipals = 2000;
    const std::string n = std::to_string(kPrincipals);
    ASSERT_TRUE(scalar(
        "WITH a AS (INSERT INTO accounts (username, email, plan, password_hash) "
        "SELECT 'router' || i, 'owner' || i || '@example.net', 'free', "
        "'$argon2id$v=19$m=65536,t=3,p=1$' || repeat('s', 22) || '$' || repeat('h', 43) "
        "FROM generate_series(1, " +
        n +
        ") i RETURNING id, username), "
        "h AS (INSERT INTO hosts (zone_id, account_id, name, ttl, ipv4, ipv6) "
        "SELECT (SELECT id FROM zones), a.id, a.username || '.example.org', 60, '192.0.2.1', "
        "'2001:db8::1' FROM a RETURNING id, account_id) "
        "INSERT INTO tokens (account_id, digest) SELECT h.account_id, "
        "lpad(to_hex(h.account_id), 64, '0') FROM h RETURNING 1"));
    const auto all = scalar(
        "SELECT string_agg(a.username || ' ' || t.digest, ' ') FROM accounts a "
        "JOIN tokens t ON t.account_id = a.id WHERE a.username LIKE 'router%'");
    ASSERT_TRUE(all);
    std::vector<std::pair<std::string, std::string>> credentials;
    std::istringstream words(*all);
    for (std::string user, token; words >> user >> token;) credentials.emplace_back(user, token);
    ASSERT_EQ(credentials.size(), static_cast<std::size_t>(kPrincipals));
    start(kPrincipals + 10);
    // The first load warms the statements and the connections.
    ASSERT_TRUE(cache_->load_principal(credentials[0].first, credentials[0].second));
    const std::size_t before = mallinfo2().uordblks;
    for (const auto& [user, token] : credentials)
        ASSERT_TRUE(cache_->load_principal(user, token)) << user;
    const std::size_t after = mallinfo2().uordblks;
    ASSERT_EQ(cache_->counters().entries, static_cast<std::uint64_t>(kPrincipals));
    const double per_entry = static_cast<double>(after - before) / (kPrincipals - 1);
    std::cout << "bytes per cached principal: " << per_entry << "\n";
    RecordProperty("bytes_per_principal", std::to_string(per_entry));
    EXPECT_LT(per_entry, 1400.0);
}

}  // namespace
}  // namespace ddns::sql::test
