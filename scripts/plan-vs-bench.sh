#!/usr/bin/env bash
# `tern plan`'s predictions against `tern bench` and peak RSS on this machine: for each model,
# the predicted decode (at context 64, the mean position of tg128) and prefill (pp512) tokens/s
# against the measured ones, and Tern's predicted memory against the peak RSS of `tern bench` and
# of a 128-token `tern generate`. Prints the markdown table of docs/PLAN.md.
#
#   scripts/plan-vs-bench.sh [-r 3] [-t 2] [MODEL.gguf ...]     (default: the default model)
#
# Run it on a quiet machine: every number here is a speed, and other work (another build, a
# benchmark) slows the measurements, not the predictions. With WAIT_IDLE=1 each step first
# waits until no other process is running.
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=3; THREADS=2
while getopts "r:t:" opt; do
  case $opt in r) REPS=$OPTARG ;; t) THREADS=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=("${TERN_HOME:-$HOME/.cache/tern}/models/gemma-3-270m-q4_k_m.gguf")

if [ -z "${TERN:-}" ]; then  # TERN=path/to/tern uses a binary built elsewhere
  swift build -c release --product tern >/dev/null
  TERN=.build/release/tern
fi
OUT=$(mktemp -d)

quiet() {  # waits (up to 30 min) until no process but this script's is running
  [ "${WAIT_IDLE:-0}" = 1 ] || return 0
  for _ in $(seq 1 900); do
    others=$(ps -eo pid,stat,comm --no-headers | awk '$2 ~ /^R/ && $3 !~ /^(ps|awk|wc|bash|sleep)$/' | wc -l)
    [ "$others" -eq 0 ] && return 0
    sleep 2
  done
}

quiet
"$TERN" plan "${MODELS[0]}" -t "$THREADS" --remeasure > /dev/null  # measure this machine once, now
i=0
for model in "${MODELS[@]}"; do
  i=$((i + 1))
  "$TERN" plan "$model" -t "$THREADS" --ctx 64 --prompt 512 --json > "$OUT/$i.plan.json"
  quiet
  /usr/bin/time -v "$TERN" bench -m "$model" -t "$THREADS" -p 512 -n 128 -r "$REPS" --json \
    > "$OUT/$i.bench.json" 2> "$OUT/$i.bench.time"
  quiet
  /usr/bin/time -v "$TERN" generate -m "$model" -t "$THREADS" --temperature 0 --ignore-eos --max-tokens 128 \
    "The capital of France is" > /dev/null 2> "$OUT/$i.generate.time"
done
python3 scripts/plan_table.py "$OUT" ${#MODELS[@]}
echo "(outputs in $OUT; commit $(git rev-parse --short HEAD))"
