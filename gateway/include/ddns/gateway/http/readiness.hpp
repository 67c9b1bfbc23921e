// Readiness (/readyz): whether this instance can do its work now, as opposed to liveness
// (/healthz: the process serves HTTP). Load balancers take an instance that is not ready out of
// rotation; container managers restart one that is not live.
#pragma once

#include <chrono>

#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/gateway/http/route_table.hpp"

namespace ddns::sql {
class Database;
}

namespace ddns::gateway {

class ReadinessCheck {
public:
    virtual ~ReadinessCheck() = default;
    // Must return within a few seconds whatever the dependencies do: it runs on a request thread.
    virtual bool ready() = 0;
};

// Ready when a trivial query through the request pool answers within `timeout`. The reason for
// a failure goes to the log, never into the answer (it can name hosts and databases).
class DatabaseReadiness final : public ReadinessCheck {
public:
    DatabaseReadiness(sql::Database& db, const Logger& log, std::chrono::milliseconds timeout)
        : db_(db), log_(log), timeout_(timeout) {}
    bool ready() override;

private:
    sql::Database& db_;
    const Logger& log_;
    std::chrono::milliseconds timeout_;
};

// The /readyz answer: 200 `ready`, or 503 `database unavailable`.
Response render_readiness(ReadinessCheck& check);

// Adds "health" (/healthz: 200 `ok` while the listener serves, whatever the database does) and
// "ready" (/readyz, render_readiness), both GET. `check` must outlive the table.
void add_health_routes(RouteTable& table, ReadinessCheck& check);

}  // namespace ddns::gateway
