// Shared fixture for the sql/ tests: one PostgreSQL cluster per test binary (a GoogleTest
// environment), a fresh database per test, and a raw libpq helper to assert on real rows.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "ddns/sql/database.hpp"
#include "postgres_server.hpp"

namespace ddns::sql::test {

ddns::test::PostgresServer& postgres();

class SqlTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // The value in the first column of the first row (nullopt for SQL NULL or no row), read on
    // a separate connection so tests see committed state. Fails the test on an SQL error.
    std::optional<std::string> scalar(const std::string& sql);

    std::string conninfo_;
    std::unique_ptr<Database> db_;
};

}  // namespace ddns::sql::test
