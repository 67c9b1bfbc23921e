#include "ddns/sql/database.hpp"

#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/auth/would_block.hpp"

namespace ddns::sql {

struct Database::Impl {
    std::string conninfo;
    std::size_t pool_size;
    std::mutex mutex;
    std::condition_variable available;
    std::vector<std::unique_ptr<Connection>> idle;
    std::size_t open = 0;  // idle + leased
    PoolStats stats;

    void give_back(std::unique_ptr<Connection> conn) {
        // A connection left inside a transaction or broken is closed, not reused.
        bool reusable = conn->usable() && !conn->in_transaction();
        if (!reusable) {
            conn.reset();
            stats.discarded.fetch_add(1, std::memory_order_relaxed);
        }
        std::lock_guard lock(mutex);
        if (reusable) {
            idle.push_back(std::move(conn));
        } else {
            --open;
        }
        available.notify_one();
    }
};

Database::Database(std::string conninfo, std::size_t pool_size) : impl_(std::make_unique<Impl>()) {
    impl_->conninfo = std::move(conninfo);
    impl_->pool_size = pool_size == 0 ? 1 : pool_size;
}

Database::~Database() = default;

Database::Lease Database::lease() {
    return *lease_until(std::nullopt);  // without a deadline it returns a lease or throws
}

std::optional<Database::Lease> Database::lease_until(Deadline deadline) {
    // The safety net of the connection loop's inline attempts: no statement runs on it (the
    // callers ask auth::must_not_block() first and have changed nothing yet).
    auth::blocking_point();
    std::unique_lock lock(impl_->mutex);
    const auto can_lease = [this] {
        return !impl_->idle.empty() || impl_->open < impl_->pool_size;
    };
    if (!can_lease()) impl_->stats.waits.fetch_add(1, std::memory_order_relaxed);
    for (;;) {
        if (!deadline) {
            impl_->available.wait(lock, can_lease);
        } else if (!impl_->available.wait_until(lock, *deadline, can_lease)) {
            return std::nullopt;
        }
        if (!impl_->idle.empty()) {
            auto conn = std::move(impl_->idle.back());
            impl_->idle.pop_back();
            if (conn->usable()) return Lease(*this, std::move(conn));
            // The server closed it while idle (restart, idle timeout): replace it.
            --impl_->open;
            continue;
        }
        ++impl_->open;
        lock.unlock();
        try {
            return Lease(*this, Connection::open(impl_->conninfo, deadline));
        } catch (...) {
            impl_->stats.connect_errors.fetch_add(1, std::memory_order_relaxed);
            lock.lock();
            --impl_->open;
            impl_->available.notify_one();
            throw;
        }
    }
}

std::optional<std::string> Database::ping(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    try {
        auto lease = lease_until(deadline);
        if (!lease) return "database: no free connection within the timeout";
        return (*lease)->ping(deadline);
    } catch (const auth::StoreError& e) {
        return e.what();
    }
}

const PoolStats& Database::stats() const noexcept {
    return impl_->stats;
}

Database::Lease::Lease(Database& db, std::unique_ptr<Connection> conn)
    : db_(&db), conn_(std::move(conn)) {}

Database::Lease::Lease(Lease&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), conn_(std::move(other.conn_)) {}

Database::Lease::~Lease() {
    if (db_ != nullptr && conn_) db_->impl_->give_back(std::move(conn_));
}

}  // namespace ddns::sql
