// PostgreSQL's share of the work, process by process and statement by statement: the idle
// measurement of `--only idle` and the statement lists of `--pg-statements` (issue #13).
#pragma once

#include <string>

#include "bench_context.hpp"

namespace ddns::bench {

// With --pg-statements: forget the statements counted so far / print the top 25 by total time,
// with calls per second over `seconds`.
void statements_reset(Context& cx);
void statements_print(Context& cx, const std::string& title, double seconds);

// `seconds` with no request at all: CPU per process group and per PostgreSQL process; with
// `wait`, after waiting for a quiet machine.
void idle_window(Context& cx, const std::string& key, double seconds, bool wait);

}  // namespace ddns::bench
