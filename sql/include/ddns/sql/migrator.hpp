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

// Applies every compiled migration the database lacks, in ascending order, each in its own
// transaction. Throws MigrationError (with the failing version and the server's message) on
// failure, and when the database records a version this binary does not know.
MigrationReport migrate(Database& db);
// Latest version compiled into this binary.
int latest_schema_version();
// Every version compiled into this binary, ascending (numbers may have gaps).
std::vector<int> compiled_schema_versions();
// Highest version recorded in the database (0 when never migrated). Throws MigrationError.
int current_schema_version(Database& db);
// Compiled versions the database has not applied yet (empty: up to date). Throws MigrationError.
std::vector<int> pending_schema_versions(Database& db);

}  // namespace ddns::sql
