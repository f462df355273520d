#!/bin/bash
# Swift lines longer than 120 columns (the limit in .swift-format).
#   scripts/check-line-length.sh               every over-long line in Sources/, Tests/ and Package.swift
#   scripts/check-line-length.sh --since REF   only lines added or changed since the git revision REF
#                                              (what CI and a reviewer check: no new over-long lines)
# Exits 1 if it found any. Columns are characters, not bytes (so "≤" or "π" count once).
set -euo pipefail
cd "$(dirname "$0")/.."
limit=120
if [ "${1:-}" = "--since" ]; then
    ref=${2:?usage: $0 --since REF}
    git diff -U0 "$ref" -- 'Sources/*.swift' 'Tests/*.swift' Package.swift \
        | awk -v limit=$limit '
            /^\+\+\+ / { file = substr($0, 7); next }
            /^@@/ { split($3, a, ","); line = substr(a[1], 2) + 0; next }
            /^\+/ { text = substr($0, 2); if (length(text) > limit) { print file ":" line ": " length(text) " columns"; n++ } line++ }
            END { exit n > 0 }'
else
    find Sources Tests Package.swift -name '*.swift' -print0 | sort -z \
        | xargs -0 awk -v limit=$limit 'length($0) > limit { print FILENAME ":" FNR ": " length($0) " columns"; n++ }
                                          END { if (n) print n " lines over " limit " columns" > "/dev/stderr"; exit n > 0 }'
fi
