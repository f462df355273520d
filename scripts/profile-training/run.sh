#!/bin/sh
# Profiles one training step path with perf (one warm-up and one timed step) and prints the share
# of the steps' time per component (shares.py). Usage, from the repository root after
# `swift build -c release`:
#   scripts/profile-training/run.sh full teacher_step
#   scripts/profile-training/run.sh small distill_step
# perf must be allowed to sample user space (kernel.perf_event_paranoid <= 2).
set -eu
preset=${1:?preset (tiny, small, full)}
path=${2:?path (teacher_step, distill_step, distill_step_no_spectral)}
data=${TMPDIR:-/tmp}/perf-$preset-$path.data
perf record -F 250 -g -o "$data" -- .build/release/wavedistill bench-training --preset "$preset" --paths "$path" \
    --reps 1 --warmup 1 --probe-reps 1 >/dev/null
python3 "$(dirname "$0")/shares.py" "$data"
