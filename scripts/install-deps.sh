#!/usr/bin/env bash
# Installs the Debian packages wavedistill needs, only if something is missing.
# Shared by the README's two set-up commands and by CI. Needs root (or sudo) to install.
# --with-browser also installs chromium, for the test that renders the experiment report in a
# headless browser (Tests/ReportTests; CI passes it, users need not).
set -euo pipefail

packages=(pkg-config libsndfile1-dev libfftw3-dev libopenblas-dev libsoxr-dev libaubio-dev libpng-dev
          libopenmpi-dev openmpi-bin)
if [ "${1:-}" = "--with-browser" ]; then
    packages+=(chromium)
elif [ $# -gt 0 ]; then
    echo "install-deps: unknown argument '$1' (the only option is --with-browser)" >&2
    exit 2
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all system packages present (${packages[*]})"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

if ! command -v swift >/dev/null; then
    echo "install-deps: no 'swift' on PATH: install the Swift 6.3 toolchain first (swift.org)" >&2
    exit 1
fi
