#!/usr/bin/env bash
# Runs every test: installs missing packages, builds, runs all ctest labels (unit,
# integration, e2e, slow), fuzzes the form loader for 60 s (clang libFuzzer; a crash fails
# the run), then builds again with AddressSanitizer + UBSan and runs the unit and
# integration tests once more. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

scripts/deps.sh

echo "== FHIR R4 JSON schema validator (npm, pinned by package-lock.json) =="
npm ci --prefix tests/fhir_schema --ignore-scripts --no-audit --no-fund --loglevel=error

echo "== build (RelWithDebInfo) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"

echo "== benchmark smoke runs (figures: docs/PERFORMANCE.md; run scripts/bench.sh) =="
./build/bin/bench_submit --n 50 --dir build >/dev/null
./build/bin/bench_forms --iterations 200 >/dev/null

echo "== all tests =="
ctest --test-dir build -j "$JOBS" --output-on-failure --timeout 900

echo "== fuzz the form loader for ${FUZZ_SECONDS} s =="
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIOSK_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$JOBS" --target fuzz_form_loader
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp assets/protocols/*.json tests/fuzz/seeds/*.json "$corpus"/
mkdir -p build-fuzz/artifacts
./build-fuzz/bin/fuzz_form_loader -max_total_time="$FUZZ_SECONDS" -max_len=1048576 -timeout=20 \
  -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/ "$corpus" 2>&1 | tail -n 12
echo "fuzz: no crash in ${FUZZ_SECONDS} s"

echo "== build (ASan + UBSan) =="
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIOSK_SANITIZE=ON >/dev/null
# Only what the unit and integration labels run (and the programs they start): the GUI app,
# the UI/e2e tests and the benchmarks are not run here, and compiling them instrumented cost
# minutes of CI time.
cmake --build build-asan -j "$JOBS" --target platform_tests forms_tests sync_tests kiosk_tests integration_tests \
  sync_faults_tests emit_fhir_examples kioskctl databank-ingest

echo "== unit and integration tests under ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j "$JOBS" -L 'unit|integration' --output-on-failure --timeout 900
