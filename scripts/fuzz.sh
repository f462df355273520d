#!/usr/bin/env bash
# Fuzzes one reader (or all) with libFuzzer for a bounded time; fails on a crash.
#
#   scripts/fuzz.sh TARGET SECONDS      TARGET: audio | npy | safetensors | recipe | all
#
# Builds the wavedistill-fuzz executable with -sanitize=fuzzer,address (release, in .build-fuzz/),
# then runs it on a working corpus seeded from Tests/FuzzTargetsTests/Corpus/TARGET. A crash
# (a trap, a sanitizer report or a failed invariant of Sources/FuzzTargets) stops the run with
# a non-zero status and leaves the input in .build-fuzz/artifacts/TARGET/; copy it to
# Tests/FuzzTargetsTests/Regressions/TARGET/ so the test suite replays it once fixed.
# Prints one summary line per target: executions, corpus size, crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh audio|npy|safetensors|recipe|all SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
all=(audio npy safetensors recipe)
if [[ $target == all ]]; then targets=("${all[@]}"); else targets=("$target"); fi
for t in "${targets[@]}"; do
    [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (${all[*]})" >&2; exit 2; }
done

build=.build-fuzz
swift build -c release --build-path "$build" --product wavedistill-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
binary=$build/release/wavedistill-fuzz

status=0
for t in "${targets[@]}"; do
    corpus=$build/corpus/$t artifacts=$build/artifacts/$t
    mkdir -p "$corpus" "$artifacts"
    log=$build/fuzz-$t.log
    # -rss_limit_mb: a reader that allocates from a header's claims must fail, not exhaust memory.
    # -max_len: large enough for a few audio frames of every format.
    set +e
    # SWIFT_BACKTRACE: the runtime's backtracer reads memory ASan reports after a fatalError.
    WAVEDISTILL_FUZZ_TARGET=$t SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$PWD/scripts/fuzz-lsan.supp:print_suppressions=0" "$binary" "$corpus" "Tests/FuzzTargetsTests/Corpus/$t" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=16384 -timeout=20 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
    code=$?
    set -e
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    size=$(find "$corpus" -type f | wc -l)
    if [[ $code -ne 0 ]]; then
        status=1
        echo "fuzz $t: CRASH after $runs executions (exit $code); input: $(ls -t "$artifacts" | head -1 | sed "s|^|$artifacts/|")"
        grep -E 'fuzz invariant|Fatal error|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY' "$log" | head -5
        echo "full log: $log"
    else
        echo "fuzz $t: $runs executions in ${seconds} s, corpus $size inputs, 0 crashes"
    fi
done
exit $status
