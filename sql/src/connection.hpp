// RAII over libpq: a connection (PGconn), query results (PGresult), parameterised and prepared
// execution in text format, transactions, and SQLSTATE classification. Private to sql/.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "ddns/auth/store.hpp"
#include "ddns/nsupdate/expected.hpp"

namespace ddns::sql {

struct PgConnCloser {
    void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct PgResultClearer {
    void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnCloser>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultClearer>;

// One query parameter in text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

// Integrity-constraint violations (SQLSTATE class 23): the failures callers expect and map to
// values. Everything else is unexpected and throws auth::StoreError.
enum class Violation { Unique, ForeignKey, Check, NotNull, Other };

class Result {
public:
    explicit Result(PgResultPtr result) : result_(std::move(result)) {}

    int rows() const noexcept { return PQntuples(result_.get()); }
    int columns() const noexcept { return PQnfields(result_.get()); }
    // Rows touched by INSERT/UPDATE/DELETE.
    std::int64_t affected() const;

    bool is_null(int row, int col) const noexcept {
        return PQgetisnull(result_.get(), row, col) != 0;
    }
    std::string_view text(int row, int col) const;
    std::optional<std::string_view> opt_text(int row, int col) const;
    std::int64_t int64(int row, int col) const;  // throws StoreError on a non-integer
    std::optional<std::int64_t> opt_int64(int row, int col) const;
    bool boolean(int row, int col) const;

private:
    PgResultPtr result_;
};

// A statement of a pipeline (Connection::exec_pipelined): prepared under `name` (lazily, in the
// same round trip the first time), or, with an empty name, a plain one without parameters (BEGIN,
// COMMIT).
struct Statement {
    std::string name;
    std::string_view sql;
    Params params;
};

// A pipeline failed: `succeeded` statements had succeeded before the failing one (the server
// skips the rest). `answered`: the server answered the failing statement with an error, so it
// and everything after it certainly did not run; otherwise the connection went without an answer
// and whether the server ran the statements after the `succeeded` ones is unknown.
class PipelineError : public auth::StoreError {
public:
    PipelineError(const std::string& what, std::size_t ran, bool refused)
        : auth::StoreError(what), succeeded(ran), answered(refused) {}
    std::size_t succeeded;
    bool answered;
};

class Connection {
public:
    // Throws auth::StoreError. The message never contains the conninfo (it may hold a password).
    static std::unique_ptr<Connection> open(const std::string& conninfo);
    // As open(), but gives up at `deadline` (libpq's connect_timeout, which is at least 2 s).
    static std::unique_ptr<Connection> open(
        const std::string& conninfo, std::optional<std::chrono::steady_clock::time_point> deadline);

    // Reads whatever the server sent while the connection sat idle (a shutdown notice, EOF) and
    // says whether the connection can still be used. Does not block.
    bool usable();
    bool in_transaction() const noexcept;
    // The connection is lost (libpq's status is no longer CONNECTION_OK), or was left unusable.
    bool broken() const noexcept;

    // `SELECT 1`, waiting for the answer no later than `deadline`. nullopt when it answered, else
    // why not. After a timeout the query is still in flight, so in_transaction() is true and the
    // pool closes the connection instead of reusing it.
    std::optional<std::string> ping(std::chrono::steady_clock::time_point deadline);

    // Single statement with $1..$n parameters. Throws StoreError on any failure.
    Result exec(std::string_view sql, const Params& params = {});
    // As exec, but a constraint violation comes back as a value.
    Expected<Result, Violation> try_exec(std::string_view sql, const Params& params = {});

    // Prepared once per connection under `name` (lazily), then executed by name.
    Result exec_prepared(const std::string& name, std::string_view sql, const Params& params);
    Expected<Result, Violation> try_exec_prepared(const std::string& name, std::string_view sql,
                                                  const Params& params);

    // The statements in one round trip (libpq's pipeline mode) and their results, in order.
    // Throws PipelineError at the first failure; the connection is usable afterwards unless
    // broken().
    std::vector<Result> exec_pipelined(const std::vector<Statement>& statements);

    // Several statements without parameters (migration scripts). Throws StoreError.
    void exec_script(std::string_view sql);

    // After LISTEN: the notifications that have reached the socket by now, without waiting
    // (one read), in arrival order.
    // Throws StoreError when the connection is lost.
    std::vector<std::string> pending_notifications();
    // The socket, to wait on with poll() while another thread may call the above.
    int socket() const noexcept;

private:
    explicit Connection(PgConnPtr conn) : conn_(std::move(conn)) {}
    // Turns a finished PGresult into a Result, a Violation, or a thrown StoreError.
    Expected<Result, Violation> check(PgResultPtr result);
    void prepare(const std::string& name, std::string_view sql);

    PgConnPtr conn_;
    std::unordered_set<std::string> prepared_;
    bool unusable_ = false;  // a pipeline ended in a state libpq cannot continue from
};

// BEGIN on construction, ROLLBACK on destruction unless commit() succeeded.
class Transaction {
public:
    explicit Transaction(Connection& conn);
    // BEGIN and `first` in one round trip; `first`'s result is first_result(). Throws
    // auth::StoreError (the transaction rolled back).
    Transaction(Connection& conn, const Statement& first);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // Throws auth::CommitUnknown when the connection was lost while COMMIT was on its way (the
    // server may or may not have committed), auth::StoreError on any other failure.
    void commit();
    // `last` and COMMIT in one round trip, with commit()'s outcomes: a `last` the server
    // refused is a certain failure, and a connection lost without that refusal leaves the
    // outcome unknown (COMMIT was on its way with it).
    void commit_after(const Statement& last);

    const Result& first_result() const { return *first_; }

private:
    Connection& conn_;
    bool done_ = false;
    std::optional<Result> first_;
};

}  // namespace ddns::sql
