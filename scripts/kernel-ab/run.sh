#!/usr/bin/env bash
# Alternating A/B timing of the flow-layer kernels of two versions of the code, one thread,
# at the full student's shapes (see flow_layer_ab.c for why alternating).
#
#   scripts/kernel-ab/run.sh [A] [B] [-- rows repetitions dilation stages]
#
# A and B are git revisions, or "." for the working tree (defaults: A = HEAD, B = .). Prints
# GFLOP/s (best, p90, median, p10) of the gate and residual kernels of each, the B/A ratios,
# and the largest difference between their outputs. Needs clang (the Swift toolchain's).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# Up to two revisions, then optionally "--" and the harness's arguments.
revisions=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do revisions+=("$1"); shift; done
[ $# -gt 0 ] && shift
if [ ${#revisions[@]} -gt 2 ]; then echo "usage: $0 [A] [B] [-- rows repetitions dilation stages]" >&2; exit 2; fi
a="${revisions[0]:-HEAD}"; b="${revisions[1]:-.}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The kernel sources of one version into $work/$2 (the same layout as Sources/CKernels).
extract() {
    mkdir -p "$work/$2/include"
    for f in flow_layer.c vector_math.h include/CKernels.h; do
        if [ "$1" = "." ]; then cp "$root/Sources/CKernels/$f" "$work/$2/$f"
        else git -C "$root" show "$1:Sources/CKernels/$f" > "$work/$2/$f"; fi
    done
}
cc=(clang -O3 -mavx2 -mfma -fno-math-errno)
for side in A B; do
    [ "$side" = A ] && rev="$a" || rev="$b"
    extract "$rev" "$side"
    "${cc[@]}" -I"$work/$side/include" -I"$work/$side" \
        -Dwd_flow_gate_rows=${side}_gate -Dwd_flow_residual_rows=${side}_residual \
        -Dwd_flow_pack_gate=${side}_pack_gate -Dwd_flow_pack_residual=${side}_pack_residual \
        -Dwd_flow_pack_gate_columns=${side}_pack_gate_columns \
        -c "$work/$side/flow_layer.c" -o "$work/$side.o"
done
"${cc[@]}" -I"$work/B/include" "$root/scripts/kernel-ab/flow_layer_ab.c" "$work/A.o" "$work/B.o" -o "$work/ab"
echo "A = $a, B = $b"
"$work/ab" "$@"
