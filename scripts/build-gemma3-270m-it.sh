#!/usr/bin/env bash
# Rebuilds gemma3-270m-it from nothing, in two turns of the flywheel. Turn 1: the base model
# writes instruction-following answers that verifiers keep (layouts repaired), `tern train mix`
# turns them into an instruction-tuning set with classification, arithmetic and judging examples,
# and `tern train sft` trains a LoRA adapter on the quantized base. Turn 2: that model, as a chat,
# writes labelled sentences on 24 topics (kept when MiniLM agrees with the label), a second mix
# adds them as classification over many label sets plus order-symmetric judge reasons, and the
# adapter trains one more epoch from where turn 1 ended. The adapter is copied to
# Sources/TernStore/Adapters and its SHA-256 printed for KnownModels.tuned. Times on a 2-core
# machine are in docs/TRAINING.md.
#
#   scripts/build-gemma3-270m-it.sh [WORK]     (WORK defaults to ./runs/gemma3-270m-it)
#
# Every step resumes: started again after a kill, synth skips the records it has, and training
# continues from its last checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-runs/gemma3-270m-it}"
mkdir -p "$WORK"
swift build -c release --product tern >/dev/null
TERN=.build/release/tern
export TERN_NO_TRACE=1

# 1. Data: ~3,000 prompts on the 24 training topics, answered few-shot by the base model.
time $TERN synth instructions --count 1600 --max-attempts 5000 --batch-size 16 --repair --seed 1 \
    --out "$WORK/instructions.jsonl"

# 2. The mix (deterministic): 2,763 training and 100 held-out examples.
$TERN train mix --instructions "$WORK/instructions.jsonl" \
    --records docs/synth/topics.jsonl --records docs/synth/dialogues.jsonl \
    --judge-arithmetic 80 --judge-instructions 80 --seed 0 \
    --out "$WORK/train.jsonl" --eval-out "$WORK/eval.jsonl"

# 3. One epoch of LoRA (rank 16 on q, k, v, o, gate, up, down), the adapter written as F16.
time $TERN train sft --data "$WORK/train.jsonl" --eval "$WORK/eval.jsonl" --out "$WORK/run" \
    --ctx 512 --batch-tokens 2048 --epochs 1 --lr 2e-4 --lora-rank 16 --lora-alpha 32 \
    --eval-every 25 --checkpoint-every 10 --adapter-type f16 --seed 0

# 4. Turn 2 data: the turn-1 model writes one sentence per topic and kind of text, as a chat.
time $TERN synth sentences --model gemma3-270m --lora "$WORK/run/adapter.gguf" --format chat \
    --count 100 --batch-size 16 --seed 1 --out "$WORK/sentences.jsonl"

# 5. The second mix (deterministic): 1,524 training and 100 held-out examples.
$TERN train mix --instructions "$WORK/instructions.jsonl" \
    --records docs/synth/topics.jsonl --records docs/synth/dialogues.jsonl \
    --sentences "$WORK/sentences.jsonl" --sentence-classification 500 --instruction-count 300 \
    --two-turn 40 --classification 150 --arithmetic 100 --judge-arithmetic 200 --judge-instructions 50 \
    --seed 10 --out "$WORK/train2.jsonl" --eval-out "$WORK/eval2.jsonl"

# 6. One more epoch, starting from the turn-1 adapter.
time $TERN train sft --data "$WORK/train2.jsonl" --eval "$WORK/eval2.jsonl" --out "$WORK/run2" \
    --lora "$WORK/run/adapter.gguf" --ctx 512 --batch-tokens 2048 --epochs 1 --lr 2e-4 --lora-rank 16 --lora-alpha 32 \
    --eval-every 25 --checkpoint-every 10 --adapter-type f16 --seed 0

cp "$WORK/run2/adapter.gguf" Sources/TernStore/Adapters/gemma3-270m-it.gguf
echo "sha256 for KnownModels.tuned: $(sha256sum Sources/TernStore/Adapters/gemma3-270m-it.gguf | cut -d' ' -f1)"
