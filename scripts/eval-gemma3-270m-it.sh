#!/usr/bin/env bash
# Before/after measurements of an instruction-tuned model (default gemma3-270m-it) on prompts
# never used in training, as docs/TRAINING.md reports them:
#   1. verifiable instruction following: 200 prompts on the held-out topics (seed 2), asked as a
#      chat turn, kept when every verifier and the quality filters pass (no repair);
#   2. Examples/TopicClassification zero-shot with the plain ChatAdapter (120 held-out sentences);
#   3. the pairwise judge's position bias on 100 arithmetic pairs (seed 1), generate mode;
#   4. tern experiment moa and tern experiment ttc (N = 1, 4, 16) on the 100 seeded problems.
#
#   scripts/eval-gemma3-270m-it.sh [MODEL] [OUT]     (OUT defaults to runs/eval-MODEL)
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${1:-gemma3-270m-it}"
OUT="${2:-runs/eval-$MODEL}"
mkdir -p "$OUT"
swift build -c release --product tern >/dev/null && swift build -c release --product topic-classification >/dev/null
TERN=.build/release/tern
export TERN_NO_TRACE=1
FORMAT=chat
[ "$MODEL" = gemma3-270m ] && FORMAT=few-shot   # the base model's best format: worked examples

rm -f "$OUT/if.jsonl" "$OUT/if.rejected.jsonl"
$TERN synth instructions --model "$MODEL" --format "$FORMAT" --topics held-out --seed 2 --count 1000 --max-attempts 200 \
    --batch-size 16 --out "$OUT/if.jsonl" | tee "$OUT/if.txt"
.build/release/topic-classification --model "$MODEL" --zero-shot | tee "$OUT/topics.txt"
$TERN judge bias --model "$MODEL" --mode generate --arithmetic 100 | tee "$OUT/judge.txt"
$TERN experiment moa --model "$MODEL" --out "$OUT/moa" | tee "$OUT/moa.txt"
$TERN experiment ttc --model "$MODEL" --budgets 1,4,16 --out "$OUT/ttc" | tee "$OUT/ttc.txt"
