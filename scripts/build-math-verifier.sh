#!/usr/bin/env bash
# Trains the verifier that `tern experiment ttc --verifier-lora` plugs into best-of-N, beam search
# and DVTS (docs/RL.md): the GRPO policy of scripts/build-gemma3-270m-math.sh (after its first 20
# steps) answers 250 training problems 4 times each in the <think>/<answer> format; every answer
# is labelled by the exact check (outcome) and every step by Math-Shepherd's estimate (4
# completions from the step, good when one reaches the right answer); a LoRA adapter on the base
# learns to answer " Yes" or " No" to both kinds of question (one adapter for the ORM and the PRM).
#
#   scripts/build-math-verifier.sh [WORK]     (WORK: the folder of build-gemma3-270m-math.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-runs/gemma3-270m-math}"
swift build -c release --product tern >/dev/null
TERN=.build/release/tern
export TERN_NO_TRACE=1

# 1. Labelled answers and steps (two runs: seed 3's first 50 problems, then 100 of seed 4).
[ -s "$WORK/verifier-a.jsonl" ] || time $TERN synth verifier --lora "$WORK/grpo1/adapter.gguf" --count 50 --samples 4 --rollouts 4 \
    --seed 3 --out "$WORK/verifier-a.jsonl"
[ -s "$WORK/verifier-b.jsonl" ] || time $TERN synth verifier --lora "$WORK/grpo1/adapter.gguf" --count 100 --samples 4 --rollouts 4 \
    --seed 4 --out "$WORK/verifier-b.jsonl"

# 2. The mix (deterministic): every outcome example; process examples balanced, as many good steps
#    as bad; 5% of each kind held out for the evaluation loss.
python3 - "$WORK" <<'EOF'
import json, random, sys
work = sys.argv[1]
rows = [json.loads(l) for f in ("verifier-a.jsonl", "verifier-b.jsonl") for l in open(f"{work}/{f}")]
rng = random.Random(0)
outcome = [r for r in rows if r["kind"] == "outcome"]
yes = [r for r in rows if r["kind"] == "process" and r["label"]]
no = [r for r in rows if r["kind"] == "process" and not r["label"]]
n = min(len(yes), len(no), 400)
chosen = outcome + rng.sample(yes, n) + rng.sample(no, n)
rng.shuffle(chosen)
cut = len(chosen) // 20
for name, part in (("verifier-eval.jsonl", chosen[:cut]), ("verifier-train.jsonl", chosen[cut:])):
    with open(f"{work}/{name}", "w") as f:
        for r in part:
            f.write(json.dumps({"prompt": r["prompt"], "completion": r["completion"]}) + "\n")
print(f"{len(outcome)} outcome, {n} + {n} process examples; {cut} held out", file=sys.stderr)
EOF

# 3. One epoch of LoRA on the base model.
time $TERN train sft --data "$WORK/verifier-train.jsonl" --eval "$WORK/verifier-eval.jsonl" --out "$WORK/verifier" \
    --ctx 256 --batch-tokens 2048 --epochs 1 --lr 2e-4 --lora-rank 16 --lora-alpha 32 --eval-every 10 --adapter-type f16 --seed 0
echo "verifier adapter: $WORK/verifier/adapter.gguf"
