#!/usr/bin/env bash
# Builds and runs the benchmarks; each prints its numbers and a last RESULT line.
#   scripts/bench.sh                 all four: submit, forms, sync, ui (1 min 44 s once built, measured before
#                                    bench_ui also timed the drags drawn whole: bench_ui alone is now 67 s)
#   scripts/bench.sh sync ui         only those
# A benchmark's own options: run it directly, e.g. build/bin/bench_sync --help.
set -euo pipefail
cd "$(dirname "$0")/.."
all=(submit forms sync ui)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${all[@]}")
for n in "${names[@]}"; do
  case " ${all[*]} " in
    *" $n "*) ;;
    *) echo "scripts/bench.sh: no benchmark '$n' (choose from: ${all[*]})" >&2; exit 2 ;;
  esac
done
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
for n in "${names[@]}"; do
  echo "== bench_$n =="
  case "$n" in
    submit) ./build/bin/bench_submit --dir build ;;
    *) "./build/bin/bench_$n" ;;
  esac
done
