#include "sql_fixture.hpp"

#include <libpq-fe.h>

#include <iostream>

#include "ddns/nsupdate/update_client.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/migrator.hpp"

namespace ddns::sql::test {
namespace {

class PostgresEnvironment : public ::testing::Environment {
public:
    void SetUp() override {
        try {
            server_ = std::make_unique<ddns::test::PostgresServer>();
        } catch (const std::exception& e) {
            error_ = e.what();
        }
    }
    void TearDown() override { server_.reset(); }

    static PostgresEnvironment* instance;
    std::unique_ptr<ddns::test::PostgresServer> server_;
    std::string error_;
};

PostgresEnvironment* PostgresEnvironment::instance = [] {
    auto* env = new PostgresEnvironment;  // owned by GoogleTest
    ::testing::AddGlobalTestEnvironment(env);
    return env;
}();

int database_counter = 0;

}  // namespace

ddns::test::PostgresServer& postgres() {
    auto* env = PostgresEnvironment::instance;
    if (!env->server_) throw std::runtime_error("PostgreSQL did not start: " + env->error_);
    return *env->server_;
}

void SqlTest::SetUp() {
    auto* env = PostgresEnvironment::instance;
    ASSERT_TRUE(env->server_) << "PostgreSQL did not start: " << env->error_;
    if (!postgres().running()) postgres().start_again();  // a previous test failed mid-outage
    conninfo_ = postgres().create_database("t" + std::to_string(++database_counter));
    db_ = std::make_unique<Database>(conninfo_, 4);
}

void SqlTest::TearDown() {
    db_.reset();
    if (HasFailure() && PostgresEnvironment::instance->server_) {
        std::cerr << "---- PostgreSQL log ----\n" << postgres().log() << "---- end ----\n";
    }
}

std::optional<std::string> SqlTest::scalar(const std::string& sql) {
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    std::optional<std::string> value;
    if (PQstatus(conn) != CONNECTION_OK) {
        ADD_FAILURE() << "connect: " << PQerrorMessage(conn);
    } else {
        PGresult* r = PQexec(conn, sql.c_str());
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
        } else if (PQntuples(r) > 0 && PQgetisnull(r, 0, 0) == 0) {
            value = PQgetvalue(r, 0, 0);
        }
        PQclear(r);
    }
    PQfinish(conn);
    return value;
}

void SqlTest::migrate_with_example_zone() {
    migrate(*db_);
    AdminRepository repo(*db_);
    const TsigKey key = test_tsig_key();
    ASSERT_TRUE(repo.add_zone(
        ZoneSpec{name("example.org"), *parse_server_endpoint("127.0.0.1:5300"), &key, 60}));
}

void SqlTest::migrate_with_alice_hosts(std::initializer_list<const char*> hosts,
                                       std::vector<std::int64_t>& ids) {
    ASSERT_NO_FATAL_FAILURE(migrate_with_example_zone());
    AdminRepository repo(*db_);
    ASSERT_TRUE(repo.add_account("alice", "", auth::Plan::Free, "hash-a"));
    for (const char* host : hosts) {
        const auto id = repo.add_host(name(host), "alice");
        ASSERT_TRUE(id) << host;
        ids.push_back(*id);
    }
}

}  // namespace ddns::sql::test
