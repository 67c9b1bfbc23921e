// Shared fixture for the sql/ tests: one PostgreSQL cluster per test binary (a GoogleTest
// environment), a fresh database per test, and a raw libpq helper to assert on real rows.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/tsig_key.hpp"
#include "ddns/sql/database.hpp"
#include "postgres_server.hpp"

namespace ddns::sql::test {

inline DnsName name(std::string_view text) {
    return *DnsName::parse(text);
}

// The TSIG key every zone of the sql tests is added with (only its name and bytes are stored).
inline TsigKey test_tsig_key() {
    return std::move(make_tsig_key("gw-key", "hmac-sha256",
                                   "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
        .value();
}

// A time at microsecond precision, which is what PostgreSQL keeps.
inline auth::TimePoint at_micros(std::int64_t micros) {
    return auth::TimePoint(
        std::chrono::duration_cast<auth::Clock::duration>(std::chrono::microseconds(micros)));
}

// A well-formed token digest (64 hex characters) made of one repeated character.
inline std::string digest(char c) {
    return std::string(64, c);
}

ddns::test::PostgresServer& postgres();

class SqlTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // The value in the first column of the first row (nullopt for SQL NULL or no row), read on
    // a separate connection so tests see committed state. Fails the test on an SQL error.
    std::optional<std::string> scalar(const std::string& sql);
    // Migrates the fresh database and adds the zone example.org (127.0.0.1:5300, test_tsig_key(),
    // TTL 60) that most store tests put their hosts in.
    void migrate_with_example_zone();
    // migrate_with_example_zone(), then the account "alice" (Free plan, password hash "hash-a")
    // owning `hosts` (names in example.org): their ids, in the same order, into `ids`.
    void migrate_with_alice_hosts(std::initializer_list<const char*> hosts,
                                  std::vector<std::int64_t>& ids);

    std::string conninfo_;
    std::unique_ptr<Database> db_;
};

}  // namespace ddns::sql::test
