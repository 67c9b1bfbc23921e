// Forward-only numbered migrations (sql/migrations/NNN_name.sql, compiled into the binary),
// applied in order under a PostgreSQL advisory lock so concurrent starts are safe.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "ddns/sql/database.hpp"

namespace ddns::sql {

class MigrationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct MigrationReport {
    std::vector<int> applied;  // versions applied by this call, ascending
    int current_version = 0;   // schema version after the call
};

// Applies every migration newer than the database's version, each in its own transaction.
// Throws MigrationError (with the failing version and the server's message) on failure.
MigrationReport migrate(Database& db);
// Latest version compiled into this binary.
int latest_schema_version();
// Version recorded in the database (0 when never migrated). Throws MigrationError.
int current_schema_version(Database& db);
// Versions compiled into this binary that the database has not recorded, ascending (with gaps
// in the numbering, a database at the latest version may still lack an earlier one). Throws
// MigrationError.
std::vector<int> missing_migrations(Database& db);

}  // namespace ddns::sql
