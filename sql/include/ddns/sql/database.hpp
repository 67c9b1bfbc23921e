// A small pool of libpq connections. libpq types never leave sql/; callers see this class and
// the repositories built on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ddns::sql {

class Connection;  // RAII PGconn wrapper, private to sql/

// What the pool went through since it was made, for the gateway's /metrics.
struct PoolStats {
    std::atomic<std::uint64_t> waits{0};           // leases that found every connection taken
    std::atomic<std::uint64_t> connect_errors{0};  // connections that could not be opened
    std::atomic<std::uint64_t> discarded{0};  // connections closed as broken or mid-transaction
};

class Database {
public:
    // `conninfo` is a libpq URI or key=value string. Connections are opened lazily; a broken
    // connection is replaced on next use. Never logs the conninfo (it may hold a password).
    Database(std::string conninfo, std::size_t pool_size);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Borrowed connection, returned to the pool when the lease is destroyed.
    class Lease {
    public:
        Lease(Database& db, std::unique_ptr<Connection> conn);
        ~Lease();
        Lease(Lease&&) noexcept;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Connection& operator*() const { return *conn_; }
        Connection* operator->() const { return conn_.get(); }

    private:
        Database* db_;
        std::unique_ptr<Connection> conn_;
    };
    // Throws auth::StoreError when no connection can be established.
    Lease lease();

    // One trivial query through the pool, bounded in time so a hung server cannot pin the
    // caller: waiting for a free connection, connecting (libpq's connect_timeout, at least 2 s)
    // and the round trip all share `timeout`. nullopt when it answered, else why not (never the
    // conninfo). A connection whose query timed out is closed, not reused.
    std::optional<std::string> ping(std::chrono::milliseconds timeout);

    const PoolStats& stats() const noexcept;

private:
    using Deadline = std::optional<std::chrono::steady_clock::time_point>;
    // lease() with an optional deadline for the wait and the connect; nullopt when it passed.
    std::optional<Lease> lease_until(Deadline deadline);

    struct Impl;
    std::unique_ptr<Impl> impl_;
    friend class Lease;
};

// Whether libpq can parse `conninfo` (a postgresql:// or postgres:// URI, or key=value settings
// with known keys). Says nothing about reaching the server; never echoes the string.
bool conninfo_parses(const std::string& conninfo);

}  // namespace ddns::sql
