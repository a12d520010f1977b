#!/usr/bin/env bash
# Runs every test: installs missing packages, builds, runs all ctest labels (unit,
# integration, e2e, slow), then builds again with AddressSanitizer + UBSan and runs the unit
# and integration tests once more. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}

scripts/deps.sh

echo "== build (RelWithDebInfo) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"

echo "== benchmark smoke run (numbers are in docs/PERFORMANCE.md; run scripts/bench.sh) =="
./build/bin/bench_submit --n 50 --dir build >/dev/null

echo "== all tests =="
ctest --test-dir build -j "$JOBS" --output-on-failure --timeout 900

echo "== build (ASan + UBSan) =="
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIOSK_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$JOBS"

echo "== unit and integration tests under ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j "$JOBS" -L 'unit|integration' --output-on-failure --timeout 900
