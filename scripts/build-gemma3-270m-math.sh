#!/usr/bin/env bash
# Rebuilds gemma3-270m-math from nothing, as DeepSeek-R1 in small (docs/RL.md): the base model
# solves training problems few-shot and the solutions whose every step checks out are kept (STaR's
# rejection sampling); a LoRA adapter learns them in the <think>/<answer> format through the chat
# template (the cold start, and the rejection-sampling fine-tuning baseline); then GRPO with the
# accuracy and format rewards, 20 steps of 8 prompts and 16 steps of 16 prompts, 8 answers each.
# The adapter is copied to Sources/TernStore/Adapters and its SHA-256 printed for
# KnownModels.tuned. Times on a 2-core machine are in docs/RL.md.
#
#   scripts/build-gemma3-270m-math.sh [WORK]     (WORK defaults to ./runs/gemma3-270m-math)
#
# The training steps resume from their checkpoints when started again after a kill.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-runs/gemma3-270m-math}"
mkdir -p "$WORK"
swift build -c release --product tern >/dev/null
TERN=.build/release/tern
export TERN_NO_TRACE=1

# 1. Verified worked solutions of 550 training problems (8 samples each, the first right one kept).
[ -s "$WORK/solutions1.jsonl" ] || time $TERN synth solutions --count 300 --samples 8 --seed 1 --out "$WORK/solutions1.jsonl"
[ -s "$WORK/solutions2.jsonl" ] || time $TERN synth solutions --count 250 --samples 8 --seed 2 --out "$WORK/solutions2.jsonl"
cat "$WORK/solutions1.jsonl" "$WORK/solutions2.jsonl" >"$WORK/cold.jsonl"

# 2. The cold start: three epochs of LoRA on the kept solutions.
time $TERN train sft --data "$WORK/cold.jsonl" --out "$WORK/cold" --ctx 256 --batch-tokens 1024 --epochs 3 --lr 2e-4 \
    --lora-rank 16 --lora-alpha 32 --adapter-type f16 --seed 0

# 3. GRPO from the cold start, then more of it with twice the prompts a step.
time $TERN train grpo --init "$WORK/cold" --steps 20 --prompts-per-step 8 --group 8 --max-tokens 96 --lr 5e-5 --beta 0.04 \
    --eval-every 5 --checkpoint-every 1 --seed 0 --out "$WORK/grpo1"
time $TERN train grpo --init "$WORK/grpo1" --steps 16 --prompts-per-step 16 --group 8 --max-tokens 96 --lr 5e-5 --beta 0.04 \
    --eval-every 8 --checkpoint-every 1 --seed 1 --out "$WORK/grpo2"

cp "$WORK/grpo2/adapter.gguf" Sources/TernStore/Adapters/gemma3-270m-math.gguf
echo "sha256 for KnownModels.tuned: $(sha256sum Sources/TernStore/Adapters/gemma3-270m-math.gguf | cut -d' ' -f1)"
