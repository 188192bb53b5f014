#!/bin/sh
# Per-token cost of constrained decoding: the same prompt sampled with and without a JSON schema
# (Tests/TernProgramsTests' employee schema: nested objects, arrays, enums), N seeds each, in one
# run. Each `tern generate` is a fresh process, so every mask is computed anew (a cold cache): the
# worst case for constrained decoding.
#
#     scripts/constrained-overhead.sh [N=10]
set -eu
N=${1:-10}
TERN=${TERN:-.build/release/tern}
SCHEMA=$(mktemp)
trap 'rm -f "$SCHEMA"' EXIT
python3 - "$SCHEMA" <<'PY'
import sys
s = open("Tests/TernProgramsTests/ConstrainedDecodingTests.swift").read()
start = s.index('static let schemaText = """') + len('static let schemaText = """')
open(sys.argv[1], "w").write(s[start:s.index('"""', start)])
PY
PROMPT="An employee record, as JSON:
"
run() {  # prints "tokens seconds" per run, from generate's closing line
    "$TERN" generate -t 2 --temperature 1 "$@" "$PROMPT" 2>&1 >/dev/null |
        sed -n 's/.*, \([0-9]*\) tokens at \([0-9.]*\) tok\/s.*/\1 \2/p'
}
for seed in $(seq 1 "$N"); do
    run --seed "$seed" --schema "$SCHEMA" -n 400 | sed 's/^/constrained /'
    run --seed "$seed" --ignore-eos -n 180 | sed 's/^/free /'
done | awk '{ n[$1] += $2; t[$1] += $2 / $3 } END {
    for (k in n) printf "%-12s %6d tokens  %.2f ms/token  (%.1f tok/s)\n", k, n[k], 1000 * t[k] / n[k], n[k] / t[k]
    printf "overhead: %.2f ms/token (%.1f%%)\n", 1000 * (t["constrained"] / n["constrained"] - t["free"] / n["free"]),
        100 * ((t["constrained"] / n["constrained"]) / (t["free"] / n["free"]) - 1) }'
