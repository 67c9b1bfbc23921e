#include "connection.hpp"

#include <poll.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "ddns/auth/store.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {
namespace {

// The server's primary message and SQLSTATE only: DETAIL lines can quote row values.
std::string describe(const PGresult* result, const PGconn* conn) {
    const char* primary =
        result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = primary != nullptr ? primary : PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    if (state != nullptr) message += std::string(" (SQLSTATE ") + state + ")";
    return message;
}

std::optional<Violation> classify(std::string_view sqlstate) {
    if (sqlstate.size() != 5 || sqlstate.substr(0, 2) != "23") return std::nullopt;
    if (sqlstate == "23505") return Violation::Unique;
    if (sqlstate == "23503") return Violation::ForeignKey;
    if (sqlstate == "23514") return Violation::Check;
    if (sqlstate == "23502") return Violation::NotNull;
    return Violation::Other;
}

std::string_view to_string(Violation violation) {
    switch (violation) {
        case Violation::Unique:
            return "unique violation";
        case Violation::ForeignKey:
            return "foreign key violation";
        case Violation::Check:
            return "check violation";
        case Violation::NotNull:
            return "not-null violation";
        case Violation::Other:
            return "integrity violation";
    }
    return "integrity violation";
}

Result value_or_throw(Expected<Result, Violation> outcome) {
    if (!outcome) {
        throw auth::StoreError("database: unexpected " + std::string(to_string(outcome.error())));
    }
    return std::move(outcome).value();
}

struct ParamArrays {
    std::vector<const char*> values;
    explicit ParamArrays(const Params& params) {
        values.reserve(params.size());
        for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    }
    int count() const { return static_cast<int>(values.size()); }
};

// libpq counts connect_timeout in whole seconds and treats anything below 2 as 2.
std::string connect_timeout_until(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::ceil<std::chrono::seconds>(deadline - std::chrono::steady_clock::now());
    return std::to_string(std::max<std::chrono::seconds::rep>(2, left.count()));
}

}  // namespace

std::int64_t Result::affected() const {
    const char* text = PQcmdTuples(result_.get());
    std::int64_t n = 0;
    std::from_chars(text, text + std::strlen(text), n);
    return n;
}

std::string_view Result::text(int row, int col) const {
    return {PQgetvalue(result_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, col))};
}

std::optional<std::string_view> Result::opt_text(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return text(row, col);
}

std::int64_t Result::int64(int row, int col) const {
    auto t = text(row, col);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc() || end != t.data() + t.size() || t.empty())
        throw auth::StoreError("database: expected an integer in column " + std::to_string(col));
    return n;
}

std::optional<std::int64_t> Result::opt_int64(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return int64(row, col);
}

bool Result::boolean(int row, int col) const {
    return text(row, col) == "t";
}

bool conninfo_parses(const std::string& conninfo) {
    // libpq's parse errors quote fragments of the string, which may be a password: dropped.
    char* parse_error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
    if (parse_error != nullptr) PQfreemem(parse_error);
    if (options == nullptr) return false;
    PQconninfoFree(options);
    return true;
}

std::unique_ptr<Connection> Connection::open(const std::string& conninfo) {
    return open(conninfo, std::nullopt);
}

std::unique_ptr<Connection> Connection::open(
    const std::string& conninfo, std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (!conninfo_parses(conninfo)) throw auth::StoreError("database: invalid connection string");

    PgConnPtr conn;
    if (deadline) {
        // The conninfo is expanded first, so the connect_timeout after it wins over its own.
        const std::string timeout = connect_timeout_until(*deadline);
        const std::array<const char*, 3> keys{"dbname", "connect_timeout", nullptr};
        const std::array<const char*, 3> values{conninfo.c_str(), timeout.c_str(), nullptr};
        conn.reset(PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1));
    } else {
        conn.reset(PQconnectdb(conninfo.c_str()));
    }
    if (!conn) throw auth::StoreError("database: out of memory");
    if (PQstatus(conn.get()) != CONNECTION_OK)
        throw auth::StoreError("database: cannot connect: " + describe(nullptr, conn.get()));
    // Notices (e.g. "relation already exists, skipping") would go to stderr by default.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    auto opened = std::unique_ptr<Connection>(new Connection(std::move(conn)));
    // What the gateway commits, BIND usually already holds: an acknowledged commit must survive
    // a crash of the server, whatever its default. Set here rather than through the conninfo's
    // options, which would replace an operator's own.
    opened->exec("SET synchronous_commit = on");
    return opened;
}

bool Connection::usable() {
    if (broken()) return false;
    // libpq keeps its socket non-blocking internally, so this only drains what has arrived. A
    // server that shut down sends a FATAL message, then EOF: the first read takes the message,
    // the second sees EOF and flips the status to CONNECTION_BAD. On a healthy idle connection
    // both reads return at once with nothing.
    for (int i = 0; i < 2; ++i) {
        if (PQconsumeInput(conn_.get()) == 0) return false;
    }
    return PQstatus(conn_.get()) == CONNECTION_OK;
}

bool Connection::broken() const noexcept {
    return unusable_ || PQstatus(conn_.get()) != CONNECTION_OK;
}

bool Connection::in_transaction() const noexcept {
    return PQtransactionStatus(conn_.get()) != PQTRANS_IDLE;
}

std::optional<std::string> Connection::ping(std::chrono::steady_clock::time_point deadline) {
    // Asynchronous, so the wait for the answer can be bounded: PQexec would block for as long
    // as the server stays silent.
    if (PQsendQuery(conn_.get(), "SELECT 1") == 0)
        return "database: " + describe(nullptr, conn_.get());
    PgResultPtr last;
    for (;;) {
        if (PQconsumeInput(conn_.get()) == 0)
            return "database: connection lost: " + describe(nullptr, conn_.get());
        while (PQisBusy(conn_.get()) == 0) {
            PgResultPtr next(PQgetResult(conn_.get()));
            if (!next) {
                if (last && PQresultStatus(last.get()) == PGRES_TUPLES_OK) return std::nullopt;
                return "database: " + describe(last.get(), conn_.get());
            }
            last = std::move(next);
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return "database: no answer within the timeout";
        pollfd socket{PQsocket(conn_.get()), POLLIN, 0};
        poll(&socket, 1, static_cast<int>(left.count()));
    }
}

Expected<Result, Violation> Connection::check(PgResultPtr result) {
    ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Result(std::move(result));
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        throw auth::StoreError("database: connection lost: " + describe(result.get(), conn_.get()));
    }
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state != nullptr) {
        if (auto violation = classify(state)) return Unexpected{*violation};
    }
    throw auth::StoreError("database: " + describe(result.get(), conn_.get()));
}

Expected<Result, Violation> Connection::try_exec(std::string_view sql, const Params& params) {
    ParamArrays arrays(params);
    std::string query(sql);
    PgResultPtr result(PQexecParams(conn_.get(), query.c_str(), arrays.count(), nullptr,
                                    arrays.values.data(), nullptr, nullptr, 0));
    return check(std::move(result));
}

Result Connection::exec(std::string_view sql, const Params& params) {
    return value_or_throw(try_exec(sql, params));
}

void Connection::prepare(const std::string& name, std::string_view sql) {
    if (prepared_.count(name) != 0) return;
    std::string query(sql);
    PgResultPtr result(PQprepare(conn_.get(), name.c_str(), query.c_str(), 0, nullptr));
    value_or_throw(check(std::move(result)));
    prepared_.insert(name);
}

Expected<Result, Violation> Connection::try_exec_prepared(const std::string& name,
                                                          std::string_view sql,
                                                          const Params& params) {
    prepare(name, sql);
    ParamArrays arrays(params);
    PgResultPtr result(PQexecPrepared(conn_.get(), name.c_str(), arrays.count(),
                                      arrays.values.data(), nullptr, nullptr, 0));
    return check(std::move(result));
}

Result Connection::exec_prepared(const std::string& name, std::string_view sql,
                                 const Params& params) {
    return value_or_throw(try_exec_prepared(name, sql, params));
}

void Connection::exec_script(std::string_view sql) {
    std::string script(sql);
    PgResultPtr result(PQexec(conn_.get(), script.c_str()));
    value_or_throw(check(std::move(result)));
}

std::vector<std::string> Connection::pending_notifications() {
    if (PQconsumeInput(conn_.get()) == 0 || PQstatus(conn_.get()) != CONNECTION_OK)
        throw auth::StoreError("database: connection lost: " + describe(nullptr, conn_.get()));
    std::vector<std::string> out;
    while (PGnotify* n = PQnotifies(conn_.get())) {
        out.emplace_back(n->extra);
        PQfreemem(n);
    }
    return out;
}

int Connection::socket() const noexcept {
    return PQsocket(conn_.get());
}

namespace {

constexpr std::string_view kBegin = "BEGIN";
constexpr std::string_view kCommit = "COMMIT";

// One command sent in a pipeline: a statement's Prepare (its first use on this connection) or
// its execution.
struct Sent {
    std::size_t statement;
    bool prepare;
};

}  // namespace

std::vector<Result> Connection::exec_pipelined(const std::vector<Statement>& statements) {
    PGconn* c = conn_.get();
    if (PQenterPipelineMode(c) == 0)
        throw PipelineError("database: " + describe(nullptr, c), 0, false);
    std::vector<Sent> sent;
    bool ok = true;
    for (std::size_t i = 0; ok && i < statements.size(); ++i) {
        const Statement& s = statements[i];
        const std::string sql(s.sql);
        if (s.name.empty()) {
            ok = PQsendQueryParams(c, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 0;
            sent.push_back({i, false});
            continue;
        }
        if (prepared_.count(s.name) == 0) {
            ok = PQsendPrepare(c, s.name.c_str(), sql.c_str(), 0, nullptr) != 0;
            sent.push_back({i, true});
        }
        const ParamArrays arrays(s.params);
        ok = ok && PQsendQueryPrepared(c, s.name.c_str(), arrays.count(), arrays.values.data(),
                                       nullptr, nullptr, 0) != 0;
        sent.push_back({i, false});
    }
    ok = ok && PQpipelineSync(c) != 0;
    std::vector<Result> results;
    std::optional<std::string> error;
    bool answered = false;
    // Every command's results end with a null; then the Sync's own result.
    for (const Sent& command : sent) {
        if (!ok) break;
        PgResultPtr last;
        while (PgResultPtr next{PQgetResult(c)}) last = std::move(next);
        const ExecStatusType status = last ? PQresultStatus(last.get()) : PGRES_FATAL_ERROR;
        if (status == PGRES_PIPELINE_ABORTED) continue;  // after the failure already noted
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            if (command.prepare)
                prepared_.insert(statements[command.statement].name);
            else
                results.emplace_back(std::move(last));
            continue;
        }
        if (!error) {
            error = "database: " + describe(last.get(), c);
            answered = last && PQresultErrorField(last.get(), PG_DIAG_SQLSTATE) != nullptr;
        }
        if (!last || broken()) ok = false;  // nothing more will come
    }
    if (ok) {
        const PgResultPtr sync{PQgetResult(c)};
        ok = sync && PQresultStatus(sync.get()) == PGRES_PIPELINE_SYNC;
    }
    if (!ok || PQexitPipelineMode(c) == 0) {
        // The connection is in no state to be used again: the pool must not take it back.
        unusable_ = true;
        if (!error) error = "database: connection lost: " + describe(nullptr, c);
    }
    if (error) throw PipelineError(*error, results.size(), answered);
    return results;
}

Transaction::Transaction(Connection& conn) : conn_(conn) {
    conn_.exec("BEGIN");
}

Transaction::Transaction(Connection& conn, const Statement& first) : conn_(conn) {
    try {
        auto results = conn_.exec_pipelined({Statement{{}, kBegin, {}}, first});
        first_.emplace(std::move(results.back()));
    } catch (const auth::StoreError&) {
        try {
            if (conn_.in_transaction() && !conn_.broken()) conn_.exec("ROLLBACK");
        } catch (const std::exception&) {
            // The connection is broken; the pool discards it when the lease ends.
        }
        throw;
    }
}

Transaction::~Transaction() {
    if (done_) return;
    try {
        conn_.exec("ROLLBACK");
    } catch (const std::exception&) {
        // The connection is broken; the pool discards it when the lease ends.
    }
}

void Transaction::commit() {
    try {
        conn_.exec("COMMIT");
    } catch (const auth::StoreError& e) {
        // The server may have committed before the connection went: nobody can tell from here.
        if (conn_.broken()) {
            done_ = true;  // nothing left to roll back on this connection
            throw auth::CommitUnknown(std::string("commit outcome unknown: ") + e.what());
        }
        throw;
    }
    done_ = true;
}

void Transaction::commit_after(const Statement& last) {
    try {
        conn_.exec_pipelined({last, Statement{{}, kCommit, {}}});
    } catch (const PipelineError& e) {
        if (conn_.broken()) {
            done_ = true;  // nothing left to roll back on this connection
            // Refused by the server, `last` stopped the pipeline before COMMIT.
            if (e.succeeded == 0 && e.answered) throw;
            throw auth::CommitUnknown(std::string("commit outcome unknown: ") + e.what());
        }
        // Refused, `last` left the transaction aborted (the destructor rolls it back); a
        // refused COMMIT ended it.
        done_ = !conn_.in_transaction();
        throw;
    }
    done_ = true;
}

}  // namespace ddns::sql
