#!/usr/bin/env bash
# Tern against llama.cpp, side by side on this machine: llama-bench (pp512, tg128),
# llama-batched-bench with a shared prompt (tg128 x B), and `tern bench`; then peak RSS and time
# from process start to the first token for a 128-token generation. Prints one table with ratios.
#
#   scripts/bench-vs-llama-cpp.sh [-t "1 2"] [-r 3] [-b 8] [-m MODEL.gguf]
#
# llama.cpp is built outside the repository (default ~/.cache/tern/llama.cpp, override with
# LLAMA_DIR) from the llama-cpp-python source package, which vendors it. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS="1 2"; REPS=3; BATCH=8
MODEL="${TERN_HOME:-$HOME/.cache/tern}/models/gemma-3-270m-q4_k_m.gguf"
while getopts "t:r:b:m:" opt; do
  case $opt in t) THREADS=$OPTARG ;; r) REPS=$OPTARG ;; b) BATCH=$OPTARG ;; m) MODEL=$OPTARG ;; *) exit 2 ;; esac
done
LLAMA_DIR="${LLAMA_DIR:-$HOME/.cache/tern/llama.cpp}"
BIN="$LLAMA_DIR/build/bin"

[ -x "$BIN/llama-bench" ] && [ -x "$BIN/llama-batched-bench" ] && [ -x "$BIN/llama-completion" ] ||
  LLAMA_DIR="$LLAMA_DIR" scripts/llama-cpp-build.sh llama-bench llama-batched-bench llama-completion
[ -f "$MODEL" ] || swift run -c release tern pull gemma3-270m
swift build -c release >/dev/null
TERN=.build/release/tern
OUT=$(mktemp -d)

for t in $THREADS; do
  "$BIN/llama-bench" -m "$MODEL" -t "$t" -p 512 -n 128 -r "$REPS" -o json > "$OUT/llama-bench-$t.json" 2>/dev/null
  "$BIN/llama-batched-bench" -m "$MODEL" -t "$t" -c 4096 -b 2048 -ub 512 -npp 128 -ntg 128 -npl "$BATCH" -pps \
    --output-format jsonl > "$OUT/llama-batched-$t.jsonl" 2>/dev/null
  "$TERN" bench -m "$MODEL" -t "$t" -p 512 -n 128 -r "$REPS" --batch "$BATCH" --json > "$OUT/tern-$t.json"
done

# Peak RSS and process-start-to-first-token, 2 threads (or the last count given).
t=${THREADS##* }
PROMPT="The capital of France is"
/usr/bin/time -v "$BIN/llama-completion" -m "$MODEL" -t "$t" -p "$PROMPT" -n 128 --temp 0 --ignore-eos -no-cnv \
  --simple-io > /dev/null 2> "$OUT/llama-rss.txt" < /dev/null
/usr/bin/time -v "$TERN" generate -m "$MODEL" -t "$t" --temperature 0 --ignore-eos -n 128 "$PROMPT" \
  > /dev/null 2> "$OUT/tern-rss.txt"
python3 scripts/bench_table.py --dir "$OUT" --threads $THREADS --batch "$BATCH" \
  --first-token "$BIN/llama-completion -m $MODEL -t $t -p '$PROMPT' -n 1 --temp 0 -no-cnv --simple-io" \
  --first-token-tern "$TERN generate -m $MODEL -t $t --temperature 0 -n 1 '$PROMPT'"
