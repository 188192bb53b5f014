#!/usr/bin/env bash
# Rebuilds gemma3-270m-tools: gemma3-270m-it taught to call functions, Gorilla's way. Tern writes
# verified tool-calling chats for functions that are not in BFCL (docs/tools/catalog.json; the
# offered functions beside the right one are often its nearest by MiniLM, so the model learns to
# tell similar documentation apart; in NO_CALL_SHARE of the chats no offered function fits, often
# a function offered beside a request on its topic that it cannot do, and the answer is a
# sentence opening "None of the ..."), then `tern train sft` continues the
# gemma3-270m-it adapter on them for one epoch, the first token of each answer (call or decline:
# the decision) weighing FIRST_TOKEN_WEIGHT tokens in the loss. The adapter is copied to
# Sources/TernStore/Adapters and its SHA-256 printed for KnownModels.tuned. Times and BFCL
# scores are in docs/TOOLS.md.
#
#   scripts/build-gemma3-270m-tools.sh [WORK] [BFCL_DIR]
#   (WORK defaults to ./runs/gemma3-270m-tools; BFCL_DIR, default ../shared/reference/bfcl, is
#    only read to check that no catalog function is a benchmark function)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-runs/gemma3-270m-tools}"
BFCL="${2:-../shared/reference/bfcl}"
NO_CALL_SHARE=0.45
FIRST_TOKEN_WEIGHT=10
mkdir -p "$WORK"
swift build -c release --product tern >/dev/null
TERN=.build/release/tern
export TERN_NO_TRACE=1

# 1. Data (deterministic, a few seconds): 1,700 training chats and 80 held-out ones.
EXCLUDE=()
[ -d "$BFCL" ] && EXCLUDE=(--exclude-from "$BFCL")
$TERN synth tools --count 1700 --seed 1 --no-call-share $NO_CALL_SHARE "${EXCLUDE[@]}" --out "$WORK/train.jsonl"
$TERN synth tools --count 80 --seed 2 --no-call-share $NO_CALL_SHARE --out "$WORK/eval.jsonl"

# 2. One epoch of LoRA from the gemma3-270m-it adapter (rank 16 on q, k, v, o, gate, up, down).
time $TERN train sft --model gemma3-270m --lora Sources/TernStore/Adapters/gemma3-270m-it.gguf \
    --data "$WORK/train.jsonl" --eval "$WORK/eval.jsonl" --out "$WORK/run" \
    --ctx 768 --batch-tokens 4096 --epochs 1 --lr 3e-4 --lora-rank 16 --lora-alpha 32 \
    --first-token-weight $FIRST_TOKEN_WEIGHT --eval-every 25 --checkpoint-every 5 --adapter-type f16 --seed 0

cp "$WORK/run/adapter.gguf" Sources/TernStore/Adapters/gemma3-270m-tools.gguf
echo "sha256 for KnownModels.tuned: $(sha256sum Sources/TernStore/Adapters/gemma3-270m-tools.gguf | cut -d' ' -f1)"
