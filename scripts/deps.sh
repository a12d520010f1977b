#!/usr/bin/env bash
# Installs the Debian 12 packages the kiosk needs to build, test and run; only the missing
# ones (dpkg -s decides), and nothing from anywhere but Debian's archive. Node.js is taken
# as present when a `node` and `npm` are on PATH (the FHIR schema check needs them).
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config
  libsodium-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libsimdjson-dev libcli11-dev catch2
  libcurl4-openssl-dev libcpp-httplib-dev libssl-dev openssl curl
  clang libclang-rt-14-dev python3
  util-linux bash
  # the kiosk app: Dear ImGui 1.86 + GLFW (X11) + OpenGL 3, Korean keyboard, font, signature PNG
  libimgui-dev libglfw3-dev libgl-dev libgl1-mesa-dri libhangul-dev fonts-nanum libpng-dev
  # UI tests: a real X server, XTest input and screenshots
  xvfb libxtst-dev x11-apps
  # voice guidance: espeak-ng (Korean and English voices), pcaudiolib for the audio device
  libespeak-ng-dev espeak-ng-data libpcaudio-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg -s "$p" >/dev/null 2>&1; then missing+=("$p"); fi
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages (${missing[*]}); run this script as root or install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
