#!/usr/bin/env bash
# The side-by-side benchmark of docs/performance.md in one command: builds what it needs, then
# starts its own PostgreSQL, named, gateway and POCO hello-world server on loopback and measures
# them in one run. Arguments go to the benchmark:
#   bench/run.sh                 # full run (about 15-25 minutes, most of it the big cases)
#   bench/run.sh --no-big        # without the 1,000,000-host memory case and 100,000-host sweep
#   bench/run.sh --quick         # seconds, small counts: proves the benchmark works
#   bench/run.sh --only sweep    # one part alone: side, changes (64 in flight), latency (p99 at
#                                # 100 changes/s), nochg, sweep,
#                                # mem, idle (PostgreSQL at rest) or peer (--peer-url below)
#   bench/run.sh --peer-url URL --peer-clients FILE   # a peer dyndns2 server beside the gateway
#   bench/run.sh --seconds 12 --quiet-load 1.5 --quiet-wait 120
# The output is also written to build/bench/side-by-side-<UTC time>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  scripts/install-deps.sh
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD_DIR" --target ddns_side_by_side_bench >/dev/null
out="$BUILD_DIR/bench/side-by-side-$(date -u +%Y%m%dT%H%M%SZ).txt"
"$BUILD_DIR/bench/ddns_side_by_side_bench" "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
echo "output saved in $out"
exit "$status"
