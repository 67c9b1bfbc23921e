#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, builds, checks formatting, and runs the unit,
# integration (real named + PostgreSQL), client-compatibility (inadyn, ddclient, wget, curl) and
# browser (headless Chromium walking the web pages; screenshots in build/browser-artefacts/)
# tests through CTest, then a bounded fuzz run (label fuzz, tests/fuzz/README.md). Extra arguments
# go to ctest and skip the fuzz stage (e.g. ./test.sh -L unit, ./test.sh -R Dyndns2).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

scripts/check-format.sh

ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 -j"$(nproc)" "$@"

# The fuzz stage: a second build tree with clang, libFuzzer, ASan and UBSan; each target fuzzes for
# DDNS_FUZZ_SECONDS (new inputs stay in build-fuzz/tests/fuzz/scratch-corpus/, never in the
# repository). Skipped when ctest arguments select tests (./test.sh -R ...), or DDNS_FUZZ_SECONDS=0.
FUZZ_SECONDS=${DDNS_FUZZ_SECONDS:-15}
if [ $# -eq 0 ] && [ "$FUZZ_SECONDS" != 0 ]; then
  FUZZ_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
  cmake -S . -B "$FUZZ_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DDDNS_BUILD_FUZZERS=ON -DDDNS_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null
  cmake --build "$FUZZ_DIR" -j"$(nproc)" --target fuzzers
  ctest --test-dir "$FUZZ_DIR" -L fuzz --output-on-failure --timeout $((FUZZ_SECONDS + 120)) \
    -j"$(nproc)"
fi
