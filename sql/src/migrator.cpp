#include "ddns/sql/migrator.hpp"

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

int current_schema_version(Database& db) {
    try {
        auto conn = db.lease();
        auto exists = conn->exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
        if (!exists.boolean(0, 0)) return 0;
        auto max = conn->exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
        return static_cast<int>(max.int64(0, 0));
    } catch (const auth::StoreError& e) {
        throw MigrationError(std::string("cannot read the schema version: ") + e.what());
    }
}

std::vector<int> missing_migrations(Database& db) {
    std::set<int> done;
    try {
        auto conn = db.lease();
        auto exists = conn->exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
        if (exists.boolean(0, 0)) {
            auto rows = conn->exec("SELECT version FROM schema_migrations");
            for (int i = 0; i < rows.rows(); ++i) done.insert(static_cast<int>(rows.int64(i, 0)));
        }
    } catch (const auth::StoreError& e) {
        throw MigrationError(std::string("cannot read the schema version: ") + e.what());
    }
    std::vector<int> missing;
    for (const Migration& m : compiled_migrations())
        if (done.count(m.version) == 0) missing.push_back(m.version);
    return missing;
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

        std::set<int> done;
        auto rows = conn.exec("SELECT version FROM schema_migrations");
        for (int i = 0; i < rows.rows(); ++i) done.insert(static_cast<int>(rows.int64(i, 0)));
        if (!done.empty() && *done.rbegin() > latest_schema_version()) {
            throw MigrationError("database schema version " + std::to_string(*done.rbegin()) +
                                 " is newer than this program's " +
                                 std::to_string(latest_schema_version()));
        }

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
