#!/usr/bin/env bash
# Step-wise search on the local engine, forked (the prompt evaluated once per search, the beams of
# a step decoded as one batch) against naive repetition (one request per sample, every prompt
# evaluated from its first token). Prints one line per (strategy, problem).
#
#   scripts/search-speedup.sh [N] [PROBLEMS]        # default N=16, 3 problems
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-16}
COUNT=${2:-3}
TERN=${TERN:-.build/release/tern}
printf "%-6s %-3s %8s %8s %10s %10s %8s\n" strategy p forked_s naive_s forked_pre naive_pre speedup
for strategy in beam dvts; do
  for ((i = 0; i < COUNT; i++)); do
    # The seeded arithmetic problems and few-shot prompt of `tern experiment ttc`.
    args=(search --strategy "$strategy" -n "$N" --width 4 --max-iterations 3 --delimiter $'\n' --step-tokens 24
          --stop $'\n\n' --seed "$i" --arithmetic-problem "$i" --json)
    f=$("$TERN" "${args[@]}")
    n=$("$TERN" "${args[@]}" --naive)
    python3 - "$strategy" "$i" "$f" "$n" <<'PY'
import json, sys
s, i, f, n = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
assert f["text"] == n["text"], "forked and naive chose differently"
print(f'{s:<6} {i:<3} {f["seconds"]:8.2f} {n["seconds"]:8.2f} {int(f["prefilled_tokens"]):10d} {int(n["prefilled_tokens"]):10d} {n["seconds"] / f["seconds"]:7.1f}x')
PY
  done
done
