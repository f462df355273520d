#!/usr/bin/env bash
# The test command: installs missing system packages, then runs the whole test suite.
# Release mode: the numeric tests (gradient checks, sampling equivalence) are slow in debug.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
swift test -c release "$@"
