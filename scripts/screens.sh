#!/usr/bin/env bash
# Regenerates docs/screens/*.png: every screen of the kiosk in Korean and English, at normal
# (100 %) and the largest (200 %) text, and in high contrast, at 1280x800.
#
# It runs the UI test's hidden case "[.screens]" (tests/ui/kiosk_ui.e2e.cpp): the real kiosk in
# demo mode on an Xvfb of its own, driven with real X input through whole journeys (Korean: a
# general participant signing for themselves; English: a legal representative for a rare-disease
# participant), opening the call-staff and cancel overlays and waiting for the idle warning on
# the way. The kiosk saves a PNG of every new screen (--screenshots); this script keeps one per
# kind of screen and mode (the first page of each multi-page screen; the keyboards for text and
# for digits) in docs/screens/.
#
#   scripts/screens.sh            # build in $BUILD_DIR (default: build), then regenerate
#   BUILD_DIR=build-ui scripts/screens.sh
#
# Takes a few minutes (each mode waits 30 s for the idle warning). Needs xvfb (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD_DIR" --target kiosk kioskctl databank-ingest ui_tests >/dev/null
fi

raw="$(mktemp -d)"
trap 'rm -rf "$raw"' EXIT
KIOSK_UI_SCREENS_OUT="$raw" "$BUILD_DIR/tests/ui_tests" "[.screens]"

# One file per kind of screen and mode: <lang>-<text %>[-hc]-<screen>.png
keep=(
  attract language participation participation_call-staff signer signer_confirm-cancel
  consent-read-0 consent-choose-0 comprehension-0-0 identity identity_keyboard-text
  identity_keyboard signature survey-0-0 survey-0-2_keyboard survey-1-0 survey-1-0_keyboard
  review thank-you participation_idle-warning
)
mkdir -p docs/screens
# The staff screens (staff-*.png, from tests/ui/staff_ui.e2e.cpp) are kept: this run does not make them.
# a11y-*.png (docs/ACCESSIBILITY.md, tests/ui/a11y_ui.e2e.cpp "[.a11y-screens]") are kept too.
find docs/screens -maxdepth 1 -name '*.png' ! -name 'staff-*' ! -name 'a11y-*' -delete
n=0
for f in "$raw"/*.png; do
  name="$(basename "$f" .png)"
  screen="${name#*-}"          # drop the language
  screen="${screen#*-}"        # drop the text size
  screen="${screen#hc-}"       # drop high contrast
  for k in "${keep[@]}"; do
    if [[ "$screen" == "$k" ]]; then
      cp "$f" "docs/screens/$name.png"
      n=$((n + 1))
    fi
  done
done
echo "screens: $n screenshots in docs/screens/ (of $(ls "$raw"/*.png | wc -l) taken)"
