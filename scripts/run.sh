#!/usr/bin/env bash
# Runs the kiosk in demo mode on this machine: installs missing packages, builds, sets up a
# demo device with a local demo data bank, and enrolls synthetic participants through the
# real submit path. (The touchscreen GUI replaces this demo when it lands.)
# Data dir: $KIOSK_DATA_DIR, else ~/.local/share/bbd-kiosk. Extra arguments go to kioskctl.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target kioskctl -j "$(nproc)" >/dev/null
exec ./build/bin/kioskctl "$@" demo
