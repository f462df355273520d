#!/usr/bin/env bash
# The main job: installs missing system packages, builds wavedistill (release), and runs the
# quickstart recipe on the bundled audio: prepare -> train-teacher -> distill -> synthesize ->
# evaluate -> bench. Outputs: exp/quickstart/ (summary.json lists every artifact).
# Extra arguments go to `wavedistill run` (e.g. --stage 3).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
.build/release/wavedistill run Pipelines/quickstart.yaml "$@"
# The evaluate and bench stages wrote the report: spectrograms, players, curves and tables.
if [ -f exp/quickstart/report.html ]; then
    echo "report: $(pwd)/exp/quickstart/report.html (open it in a browser: xdg-open exp/quickstart/report.html)"
fi
