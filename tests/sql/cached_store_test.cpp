// CachedStore against a migrated database: a principal is read once and then answered from
// memory; every change of what it is made of, by any connection, drops it (LISTEN/NOTIFY,
// migration 018) while the hot columns (last_seen, a token's last_used) do not; noted last_seen
// values are written in one batch, only where the row still holds the noted state; nothing is
// cached while the channel is down.
#include "ddns/sql/cached_store.hpp"

#include <gtest/gtest.h>

#include <libpq-fe.h>
#include <signal.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class CachedStoreTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        std::vector<std::int64_t> ids;
        ASSERT_NO_FATAL_FAILURE(migrate_with_alice_hosts({"a.example.org"}, ids));
        host_ = ids[0];
        AdminRepository repo(*db_);
        token_ = *repo.add_token("alice", std::nullopt, digest('a'));
        pg_ = std::make_unique<PgStore>(*db_);
        start(CacheOptions{seconds(60)});
    }
    void start(CacheOptions options) {
        cache_.reset();
        cache_ = std::make_unique<CachedStore>(*pg_, *db_, conninfo_, options);
        if (options.ttl > seconds::zero()) {
            ASSERT_TRUE(cache_->wait_listening(seconds(20)));
        }
    }
    // Loads alice with her token; the answer, and whether it came from memory.
    std::pair<std::optional<auth::Principal>, bool> load(const std::string& secret = "") {
        const auto hits = cache_->counters().hits;
        auto p = cache_->load_principal("alice", secret.empty() ? digest('a') : secret);
        return {std::move(p), cache_->counters().hits > hits};
    }
    // Runs `statement` on a connection of its own (as another instance or admin would) and
    // waits until the cache has heard of `n` more invalidations.
    void change_elsewhere(const std::string& statement, std::uint64_t n = 1) {
        const auto before = cache_->counters().invalidations;
        ASSERT_TRUE(scalar(statement + " RETURNING 1")) << statement;
        ASSERT_TRUE(ddns::test::wait_until([&] {
            return cache_->counters().invalidations >= before + n;
        })) << "no notification for: "
            << statement;
    }

    // The PostgreSQL backend of the cache's listening connection.
    int listening_backend() {
        const auto pid =
            scalar("SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN ddns_cache_ping_%'");
        return pid ? std::stoi(*pid) : 0;
    }

    std::int64_t host_ = 0, token_ = 0;
    std::unique_ptr<PgStore> pg_;
    std::unique_ptr<CachedStore> cache_;
};

TEST_F(CachedStoreTest, ASecondLoadIsAnsweredFromMemory) {
    auto [first, hit1] = load();
    ASSERT_TRUE(first);
    EXPECT_FALSE(hit1);
    EXPECT_TRUE(first->token);
    auto [second, hit2] = load();
    ASSERT_TRUE(second);
    EXPECT_TRUE(hit2);
    EXPECT_EQ(second->account.password_hash, "hash-a");
    ASSERT_EQ(second->hosts.size(), 1U);
    EXPECT_EQ(second->hosts[0].id, host_);
    // Another secret is another entry: the token match belongs to the secret presented.
    auto [other, hit3] = load(digest('z'));
    ASSERT_TRUE(other);
    EXPECT_FALSE(hit3);
    EXPECT_FALSE(other->token);
    EXPECT_FALSE(cache_->load_principal("nobody", digest('a')));
}

TEST_F(CachedStoreTest, EveryChangeOfAPrincipalsPartsDropsItWhateverConnectionMadeIt) {
    ASSERT_TRUE(load().first);
    change_elsewhere("UPDATE accounts SET password_hash = 'hash-new'");
    auto [p, hit] = load();
    EXPECT_FALSE(hit);
    EXPECT_EQ(p->account.password_hash, "hash-new");

    change_elsewhere("UPDATE hosts SET ipv4 = '192.0.2.9'");
    std::tie(p, hit) = load();
    EXPECT_FALSE(hit);
    EXPECT_EQ(p->hosts.at(0).ipv4, IpAddress::parse("192.0.2.9"));

    change_elsewhere("UPDATE hosts SET blocked_at = now()");
    std::tie(p, hit) = load();
    EXPECT_FALSE(hit);
    EXPECT_TRUE(p->hosts.at(0).blocked);

    change_elsewhere("UPDATE zones SET default_ttl = 120");
    EXPECT_FALSE(load().second);

    change_elsewhere("DELETE FROM tokens WHERE id = " + std::to_string(token_));
    std::tie(p, hit) = load();
    EXPECT_FALSE(hit);
    EXPECT_FALSE(p->token) << "a revoked token still matched";
}

TEST_F(CachedStoreTest, HotColumnsNotifyNobody) {
    ASSERT_TRUE(load().first);
    ASSERT_TRUE(scalar("UPDATE hosts SET last_seen = now(), updated_at = now() RETURNING 1"));
    // The update log's counters live in a table of their own (migration 029).
    ASSERT_TRUE(
        scalar("INSERT INTO host_counters (host_id, client_faults) SELECT id, 3 FROM hosts "
               "RETURNING 1"));
    ASSERT_TRUE(scalar("UPDATE tokens SET last_used = now() RETURNING 1"));
    // A change notified after them arrives after them: once it is heard, they were not.
    const auto before = cache_->counters().invalidations;
    ASSERT_TRUE(scalar("UPDATE accounts SET email = 'x@example.org' RETURNING 1"));
    ASSERT_TRUE(ddns::test::wait_until([&] { return cache_->counters().invalidations > before; }));
    EXPECT_EQ(cache_->counters().invalidations, before + 1);
}

// The payloads notified on ddns_principal by `statement`, in order, read on a listening
// connection of its own: a sentinel notified after the statement arrives after all of them.
std::vector<std::string> notified_by(const std::string& conninfo,
                                     const std::function<void()>& statement) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), PQfinish);
    EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK);
    PQclear(PQexec(conn.get(), "LISTEN ddns_principal"));
    statement();
    PQclear(PQexec(conn.get(), "NOTIFY ddns_principal, 'sentinel'"));
    std::vector<std::string> payloads;
    const bool done = ddns::test::wait_until([&] {
        PQconsumeInput(conn.get());
        while (PGnotify* n = PQnotifies(conn.get())) {
            payloads.emplace_back(n->extra);
            PQfreemem(n);
        }
        return !payloads.empty() && payloads.back() == "sentinel";
    });
    EXPECT_TRUE(done);
    if (done) payloads.pop_back();
    return payloads;
}

// Migrations 026 and 031: one statement over many hosts (the sweeper's batch, a message's hosts)
// notifies each account whose hosts changed, the old and the new one when a host changes hands, and
// nobody for rows whose notifying columns stayed as they were or for hot columns.
TEST_F(CachedStoreTest, AStatementOverManyHostsNotifiesEachAccountConcerned) {
    AdminRepository repo(*db_);
    ASSERT_TRUE(repo.add_account("bob", "", auth::Plan::Free, "hash-b"));
    ASSERT_TRUE(repo.add_host(name("b1.example.org"), "bob"));
    ASSERT_TRUE(repo.add_host(name("b2.example.org"), "bob"));
    ASSERT_TRUE(repo.add_account("carol", "", auth::Plan::Free, "hash-c"));
    ASSERT_TRUE(repo.add_host(name("c1.example.org"), "carol"));
    ASSERT_TRUE(
        scalar("UPDATE hosts SET ipv4 = '192.0.2.3' WHERE name = 'c1.example.org' "
               "RETURNING 1"));
    const auto id_of = [&](const std::string& user) {
        return *scalar("SELECT id FROM accounts WHERE username = '" + user + "'");
    };
    const auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    // The accounts notified; each payload is '<account> <txid>' (migration 031).
    const auto run = [&](const std::string& statement) {
        std::vector<std::string> accounts;
        for (const std::string& payload :
             notified_by(conninfo_, [&] { ASSERT_TRUE(scalar(statement)) << statement; })) {
            const auto space = payload.find(' ');
            EXPECT_TRUE(space != std::string::npos && space + 1 < payload.size() &&
                        payload.find_first_not_of("0123456789", space + 1) == std::string::npos)
                << payload;
            accounts.push_back(payload.substr(0, space));
        }
        return sorted(accounts);
    };
    // Three hosts of two accounts get an address; carol's host already holds it.
    EXPECT_EQ(run("UPDATE hosts SET ipv4 = '192.0.2.3' RETURNING 1"),
              sorted({id_of("alice"), id_of("bob")}));
    EXPECT_EQ(run("UPDATE hosts SET last_seen = now(), updated_at = now() RETURNING 1"),
              std::vector<std::string>{});
    EXPECT_EQ(run("UPDATE hosts SET offline_since = now(), offline_reason = 'heartbeat' WHERE name "
                  "LIKE 'b%' RETURNING 1"),
              std::vector<std::string>{id_of("bob")});
    ASSERT_TRUE(load().first);
    EXPECT_EQ(run("UPDATE hosts SET account_id = " + id_of("bob") +
                  " WHERE id = " + std::to_string(host_) + " RETURNING 1"),
              sorted({id_of("alice"), id_of("bob")}));
    EXPECT_TRUE(ddns::test::wait_until([&] {
        auto [p, hit] = load();
        return p && !hit && p->hosts.empty();
    })) << "alice's cached principal still holds the host she gave away";
}

TEST_F(CachedStoreTest, NotesAreWrittenInOneBatchWhereTheRowStillHoldsTheNotedState) {
    const auto v4 = IpAddress::parse("192.0.2.1");
    {
        auto change = cache_->begin_change({host_});
        change->record_applied(host_, v4, std::nullopt, at_micros(1'700'000'000'000'000));
        change->commit();
    }
    // Cached again once the change's own notification has come by.
    ASSERT_TRUE(ddns::test::wait_until([&] { return load().second; }));
    EXPECT_TRUE(cache_->note_seen_if_unchanged(auth::StoredAddresses{host_, v4, std::nullopt},
                                               at_micros(1'700'000'100'000'000)));
    // Written by the flush, not by the note.
    EXPECT_EQ(scalar("SELECT extract(epoch FROM last_seen)::bigint FROM hosts"), "1700000000");
    cache_->flush_seen();
    EXPECT_EQ(scalar("SELECT extract(epoch FROM last_seen)::bigint FROM hosts"), "1700000100");
    // The cached copy follows, so the next answer from memory knows the host was seen.
    auto [p, hit] = load();
    EXPECT_TRUE(hit);
    EXPECT_EQ(p->hosts.at(0).last_seen, at_micros(1'700'000'100'000'000));

    // A note of a state the row no longer holds is not written; nor is an older time.
    cache_->note_seen_if_unchanged(
        auth::StoredAddresses{host_, IpAddress::parse("192.0.2.2"), std::nullopt},
        at_micros(1'700'000'200'000'000));
    cache_->note_seen_if_unchanged(auth::StoredAddresses{host_, v4, std::nullopt},
                                   at_micros(1'700'000'050'000'000));
    cache_->flush_seen();
    EXPECT_EQ(scalar("SELECT extract(epoch FROM last_seen)::bigint FROM hosts"), "1700000100");
    EXPECT_EQ(cache_->counters().seen_written, 1U);
}

// A prefix or a wildcard change that lands between the note and the flush makes the noted state
// stale, as an address change does: no last_seen is written for a state that is not current.
TEST_F(CachedStoreTest, ANoteIsNotWrittenWhenThePrefixOrTheWildcardMovedOn) {
    const auto v4 = IpAddress::parse("192.0.2.1");
    {
        auto change = cache_->begin_change({host_});
        change->record_applied(host_, v4, std::nullopt, at_micros(1'700'000'000'000'000));
        change->commit();
    }
    const auto seen = [&] {
        return scalar("SELECT extract(epoch FROM last_seen)::bigint FROM hosts");
    };
    auth::StoredAddresses noted{host_, v4, std::nullopt};
    cache_->note_seen_if_unchanged(noted, at_micros(1'700'000'100'000'000));
    ASSERT_TRUE(scalar("UPDATE hosts SET ipv6_prefix = '2001:db8:1::/56' RETURNING 1"));
    cache_->flush_seen();
    EXPECT_EQ(seen(), "1700000000") << "written for a prefix the row no longer holds";

    noted.ipv6_prefix = IpNetwork::parse("2001:db8:1::/56");
    cache_->note_seen_if_unchanged(noted, at_micros(1'700'000'200'000'000));
    ASSERT_TRUE(scalar("UPDATE hosts SET wildcard = true RETURNING 1"));
    cache_->flush_seen();
    EXPECT_EQ(seen(), "1700000000") << "written for a mirror the row no longer has";

    // A later note of the current state replaces an earlier note of another prefix or mirror.
    cache_->note_seen_if_unchanged(noted, at_micros(1'700'000'300'000'000));
    noted.wildcard = true;
    cache_->note_seen_if_unchanged(noted, at_micros(1'700'000'250'000'000));
    cache_->flush_seen();
    EXPECT_EQ(seen(), "1700000250");
}

TEST_F(CachedStoreTest, AChangeThroughTheCacheRefreshesItsPrincipalAndADoubtDropsIt) {
    ASSERT_TRUE(load().first);
    {
        auto change = cache_->begin_change({host_});
        change->record_applied(host_, IpAddress::parse("192.0.2.5"), std::nullopt,
                               auth::Clock::now());
        change->commit();
    }
    // No waiting for the notification: the instance that changed it knows what it committed
    // (more in cached_store_change_test.cpp).
    auto [p, hit] = load();
    EXPECT_TRUE(hit);
    EXPECT_EQ(p->hosts.at(0).ipv4, IpAddress::parse("192.0.2.5"));
    cache_->mark_in_doubt({host_}, auth::Clock::now());
    EXPECT_FALSE(load().second);
}

TEST_F(CachedStoreTest, NothingIsCachedWhileTheChannelIsDownOrWithoutATtl) {
    ASSERT_TRUE(load().first);
    ASSERT_TRUE(load().second);
    postgres().stop();
    EXPECT_TRUE(ddns::test::wait_until([&] { return !cache_->counters().listening; }));
    postgres().start_again();
    // Until the channel is back every load reads the database (and finds the server again).
    EXPECT_TRUE(ddns::test::wait_until([&] {
        try {
            return load().first.has_value();
        } catch (const auth::StoreError&) {
            return false;
        }
    }));
    ASSERT_TRUE(cache_->wait_listening(seconds(20)));
    EXPECT_FALSE(load().second) << "entries from before the outage survived it";
    EXPECT_TRUE(ddns::test::wait_until([&] { return load().second; }));

    start(CacheOptions{seconds(0)});
    ASSERT_TRUE(load().first);
    EXPECT_FALSE(load().second);
}

// The listening backend killed (as an operator's pg_terminate_backend or a failover would):
// the cache is emptied and bypassed until it listens again, and then starts empty.
TEST_F(CachedStoreTest, AKilledListeningBackendEmptiesTheCacheUntilItListensAgain) {
    start(CacheOptions{seconds(60), 20000, milliseconds(1000), milliseconds(200)});
    ASSERT_TRUE(load().first);
    ASSERT_TRUE(load().second);
    const int pid = listening_backend();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(scalar("SELECT pg_terminate_backend(" + std::to_string(pid) + ")"), "t");
    // A change made while it is down is not answered from the old copy once max_lag passed.
    ASSERT_TRUE(scalar("UPDATE accounts SET password_hash = 'hash-while-down' RETURNING 1"));
    std::this_thread::sleep_for(milliseconds(220));
    auto [p, hit] = load();
    EXPECT_FALSE(hit);
    EXPECT_EQ(p->account.password_hash, "hash-while-down");
    EXPECT_TRUE(ddns::test::wait_until([&] { return !cache_->counters().listening; }));
    EXPECT_FALSE(load().second);
    ASSERT_TRUE(cache_->wait_listening(seconds(20)));
    EXPECT_NE(listening_backend(), pid);
    EXPECT_FALSE(load().second) << "an entry from before the loss survived it";
    EXPECT_TRUE(ddns::test::wait_until([&] { return load().second; }));
}

// The bound on staleness does not depend on the notification arriving: with the listening
// backend stopped (SIGSTOP: it delivers nothing, as a backend stuck behind a slow server or a
// network that holds its packets), a change committed elsewhere is read from the database once
// max_lag has passed, because no freshness ping comes back either.
TEST_F(CachedStoreTest, AChangeIsSeenWithinMaxLagEvenWhenItsNotificationIsStuck) {
    start(CacheOptions{seconds(60), 20000, milliseconds(1000), milliseconds(200)});
    ASSERT_TRUE(load().first);
    ASSERT_TRUE(load().second);
    const int pid = listening_backend();
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGSTOP), 0);
    const auto committed = std::chrono::steady_clock::now();
    const bool changed =
        scalar("UPDATE accounts SET password_hash = 'hash-stuck' RETURNING 1").has_value();
    std::this_thread::sleep_until(committed + milliseconds(200 + 20));
    const auto hits_before = cache_->counters().hits;
    auto [p, hit] = load();
    const auto lagging = cache_->counters().lagging;
    ::kill(pid, SIGCONT);
    ASSERT_TRUE(changed);
    EXPECT_FALSE(hit);
    EXPECT_EQ(cache_->counters().hits, hits_before);
    EXPECT_EQ(p->account.password_hash, "hash-stuck");
    EXPECT_GT(lagging, 0U);
    // Delivered again: the cache answers from memory once more, with the new state.
    EXPECT_TRUE(ddns::test::wait_until([&] { return load().second; }));
    EXPECT_EQ(load().first->account.password_hash, "hash-stuck");
}

// A token's recorded use notifies nobody, so the cached copy follows the value written: its
// max_unused is judged against the real last use, not the one it was loaded with.
TEST_F(CachedStoreTest, ARecordedTokenUseReachesTheCachedCopy) {
    auto [first, hit1] = load();
    ASSERT_TRUE(first && first->token);
    EXPECT_FALSE(first->token->last_used);
    const auth::TimePoint used = auth::TimePoint(std::chrono::seconds(1'800'000'000));
    cache_->record_token_use(token_, IpAddress::parse("192.0.2.44"), used);
    auto [second, hit2] = load();
    ASSERT_TRUE(second && second->token);
    EXPECT_TRUE(hit2);
    EXPECT_EQ(second->token->last_used, used);
    EXPECT_EQ(second->token->last_used_address, IpAddress::parse("192.0.2.44"));
    EXPECT_EQ(scalar("SELECT extract(epoch FROM last_used)::bigint FROM tokens WHERE id = " +
                     std::to_string(token_)),
              "1800000000");
}

// A use recorded by another process (another instance) notifies nobody either. A cached copy
// that would refuse its token as unused for too long is therefore not trusted: the database is
// read, and the token judged against the use recorded there, as without the cache.
TEST_F(CachedStoreTest, ACachedTokenThatLooksUnusedTooLongIsReadAgain) {
    change_elsewhere(
        "UPDATE tokens SET max_unused_seconds = 3600, "
        "last_used = now() - interval '2 hours' WHERE id = " +
        std::to_string(token_));
    ASSERT_TRUE(load().first);
    const auto idle = load().first;
    ASSERT_TRUE(idle && idle->token && idle->token->last_used);
    EXPECT_FALSE(idle->token->usable(std::nullopt, auth::Clock::now()));
    // Another instance records a use: the hot column, no notification.
    ASSERT_TRUE(scalar("UPDATE tokens SET last_used = now() WHERE id = " + std::to_string(token_) +
                       " RETURNING 1"));
    auto [used, used_hit] = load();
    ASSERT_TRUE(used && used->token);
    EXPECT_FALSE(used_hit) << "answered from the copy loaded before the use";
    EXPECT_TRUE(used->token->usable(std::nullopt, auth::Clock::now()));
    // A token in use is answered from memory as before.
    EXPECT_TRUE(load().second);
}

}  // namespace
}  // namespace ddns::sql::test
