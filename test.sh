#!/usr/bin/env bash
# Runs every test: installs missing Debian packages, builds, checks formatting, and runs the unit,
# integration (real named + PostgreSQL) and client-compatibility (inadyn, ddclient, wget, curl)
# tests through CTest. Extra arguments go to ctest (e.g. ./test.sh -L unit, ./test.sh -R Dyndns2).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

scripts/check-format.sh

ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300 -j"$(nproc)" "$@"
