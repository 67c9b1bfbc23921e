#include "ddns/sql/migrator.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "connection.hpp"
#include "ddns/auth/store.hpp"
#include "migrations.hpp"

namespace ddns::sql {
namespace {

// Session advisory lock held while migrating ("ddns-mig" in ASCII), so concurrent starts of
// several gateway processes apply each migration exactly once.
constexpr const char* kLockKey = "7234028342426298727";

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

// Releases the advisory lock even when a migration failed; if the connection broke, the lock
// went with the session.
class AdvisoryLock {
public:
    explicit AdvisoryLock(Connection& conn) : conn_(conn) {
        conn_.exec("SELECT pg_advisory_lock($1::bigint)", {std::string(kLockKey)});
    }
    ~AdvisoryLock() {
        try {
            conn_.exec("SELECT pg_advisory_unlock($1::bigint)", {std::string(kLockKey)});
        } catch (const std::exception&) {
        }
    }
    AdvisoryLock(const AdvisoryLock&) = delete;
    AdvisoryLock& operator=(const AdvisoryLock&) = delete;

private:
    Connection& conn_;
};

std::string label(const Migration& m) {
    std::string number = std::to_string(m.version);
    if (number.size() < 3) number.insert(0, 3 - number.size(), '0');
    return number + "_" + std::string(m.name);
}

}  // namespace

int latest_schema_version() {
    auto all = compiled_migrations();
    return all.empty() ? 0 : all.back().version;
}

std::vector<int> compiled_schema_versions() {
    std::vector<int> versions;
    for (const Migration& m : compiled_migrations()) versions.push_back(m.version);
    return versions;
}

namespace {

std::set<int> applied_versions(Connection& conn) {
    std::set<int> done;
    auto exists = conn.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists.boolean(0, 0)) return done;
    auto rows = conn.exec("SELECT version FROM schema_migrations");
    for (int i = 0; i < rows.rows(); ++i) done.insert(static_cast<int>(rows.int64(i, 0)));
    return done;
}

}  // namespace

int current_schema_version(Database& db) {
    try {
        auto conn = db.lease();
        const auto done = applied_versions(*conn);
        return done.empty() ? 0 : *done.rbegin();
    } catch (const auth::StoreError& e) {
        throw MigrationError(std::string("cannot read the schema version: ") + e.what());
    }
}

std::vector<int> pending_schema_versions(Database& db) {
    try {
        auto conn = db.lease();
        const auto done = applied_versions(*conn);
        std::vector<int> pending;
        for (int v : compiled_schema_versions())
            if (done.count(v) == 0) pending.push_back(v);
        return pending;
    } catch (const auth::StoreError& e) {
        throw MigrationError(std::string("cannot read the schema version: ") + e.what());
    }
}

MigrationReport migrate(Database& db) {
    MigrationReport report;
    const Migration* current = nullptr;
    try {
        // A lease is exclusive for its lifetime: the lock and the work share one session.
        auto lease = db.lease();
        Connection& conn = *lease;
        AdvisoryLock lock(conn);
        conn.exec(kCreateTable);

        std::set<int> done = applied_versions(conn);
        // A version this binary does not know (newer, or from a branch it lacks) means the
        // schema is not the one this code was written for.
        const auto compiled = compiled_schema_versions();
        for (int v : done)
            if (!std::binary_search(compiled.begin(), compiled.end(), v))
                throw MigrationError("database has schema version " + std::to_string(v) +
                                     ", which this program does not know (it has up to " +
                                     std::to_string(latest_schema_version()) + ")");

        for (const Migration& m : compiled_migrations()) {
            if (done.count(m.version) != 0) continue;
            current = &m;
            Transaction tx(conn);
            conn.exec_script(m.sql);
            conn.exec("INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)",
                      {std::to_string(m.version), std::string(m.name)});
            tx.commit();
            report.applied.push_back(m.version);
            done.insert(m.version);
        }
        current = nullptr;
        report.current_version = done.empty() ? 0 : *done.rbegin();
    } catch (const auth::StoreError& e) {
        if (current != nullptr)
            throw MigrationError("migration " + label(*current) + " failed: " + e.what());
        throw MigrationError(std::string("migration failed: ") + e.what());
    }
    return report;
}

}  // namespace ddns::sql
