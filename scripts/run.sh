#!/usr/bin/env bash
# Runs the kiosk (the participant's touchscreen app) in demo mode on this machine: installs
# missing packages, builds, and starts `kiosk --demo`: demo device keys, the repository's
# protocol packages signed with the demo key, a local data bank (databank-ingest on loopback,
# started and stopped by the kiosk) and sync. Needs a display (X11): on a desktop it opens full
# screen; add `--windowed 1280x800` for a window. Without a display it says so and exits.
# Data dir: $KIOSK_DATA_DIR, else ~/.local/share/bbd-kiosk. Extra arguments go to the kiosk.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target kiosk kioskctl databank-ingest -j "$(nproc)" >/dev/null
exec ./build/bin/kiosk --demo "$@"
