#!/usr/bin/env bash
# Builds and runs the benchmarks; each prints its numbers and a last RESULT line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
./build/bin/bench_submit --dir build "$@"
