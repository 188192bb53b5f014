#!/usr/bin/env bash
# GRPO speed, Tern against TRL's GRPOTrainer on this machine: the same model (the default GGUF;
# TRL loads it dequantized to float32), LoRA rank 16 on the same projections, group size, prompts
# per step, answer length limit, rewards (accuracy 1, format 0.5), beta and thread count, both
# from the base model (which neither stops nor writes the tags, so every answer runs to
# --max-tokens on both sides and the lengths are equal). Runs alternate (tern, trl, tern, trl, …).
# Prints seconds per step (the median over the steps after each run's first), steps per hour,
# Tern's sampling and training tokens/s, and the ratio.
#
#   scripts/grpo-vs-trl.sh [-t THREADS] [-r REPS] [-s STEPS] [-P PROMPTS_PER_STEP] [-g GROUP] [-m MAX_TOKENS] [-p PYTHON]
#
# -p: a python with torch, transformers, peft, trl and gguf (default: $TORCH_PYTHON, else
#     ~/.cache/tern/torch/bin/python, created on first use; torch is a large download). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=2; REPS=2; STEPS=3; PROMPTS=4; GROUP=8; MAXTOK=96
PY="${TORCH_PYTHON:-$HOME/.cache/tern/torch/bin/python}"
while getopts "t:r:s:P:g:m:p:" opt; do
  case $opt in t) THREADS=$OPTARG ;; r) REPS=$OPTARG ;; s) STEPS=$OPTARG ;; P) PROMPTS=$OPTARG ;; g) GROUP=$OPTARG ;;
    m) MAXTOK=$OPTARG ;; p) PY=$OPTARG ;; *) exit 2 ;; esac
done
MODEL="${TERN_HOME:-$HOME/.cache/tern}/models/gemma-3-270m-q4_k_m.gguf"
if [ ! -x "$PY" ]; then
  echo "creating $(dirname "$(dirname "$PY")") with torch, transformers, peft, trl, gguf (once)" >&2
  python3 -m venv "$(dirname "$(dirname "$PY")")"
  "$PY" -m pip install --quiet torch transformers peft trl gguf accelerate datasets
fi
"$PY" -c "import trl" 2>/dev/null || "$PY" -m pip install --quiet trl datasets
swift build -c release --product tern >/dev/null
TERN=.build/release/tern
[ -f "$MODEL" ] || $TERN pull gemma3-270m >/dev/null

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.txt"
for r in $(seq 1 "$REPS"); do
  rm -rf "$WORK/run"
  TERN_NO_TRACE=1 "$TERN" train grpo --model "$MODEL" --task arithmetic --steps "$STEPS" --prompts-per-step "$PROMPTS" --group "$GROUP" \
    --max-tokens "$MAXTOK" --lr 1e-5 --beta 0.04 --held-out 1 --eval-every 100000 --checkpoint-every 100000 --seed 0 \
    -t "$THREADS" --out "$WORK/run" >/dev/null 2>&1
  python3 - "$WORK/run/log.jsonl" >>"$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
later = rows[1:] or rows
print("tern", statistics.median(r["seconds"] for r in later), statistics.mean(r["response_length"] for r in rows),
      statistics.median(r["sampling_tokens_per_s"] for r in later), statistics.median(r["training_tokens_per_s"] for r in later))
EOF
  "$PY" scripts/grpo_trl.py --gguf "$MODEL" --steps "$STEPS" --prompts-per-step "$PROMPTS" --group "$GROUP" --max-tokens "$MAXTOK" \
    --threads "$THREADS" --lr 1e-5 --beta 0.04 --out "$WORK/trl" 2>/dev/null | tail -1 >"$WORK/trl.json"
  python3 - "$WORK/trl.json" >>"$RESULTS" <<'EOF'
import json, statistics, sys
r = json.loads(open(sys.argv[1]).read())
s = r["seconds_per_step"]
print("trl", statistics.median(s[1:] or s), r["mean_completion_length"], 0, 0)
EOF
done

python3 - "$RESULTS" "$STEPS" "$PROMPTS" "$GROUP" "$MAXTOK" "$THREADS" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"GRPO, LoRA r=16; {sys.argv[2]} steps of {sys.argv[3]} prompts x {sys.argv[4]} answers, at most {sys.argv[5]} tokens; {sys.argv[6]} threads")
print("| run | s/step (median) | steps/hour | answer tokens (mean) | sampling tok/s | training tok/s |")
print("|---|---:|---:|---:|---:|---:|")
med = {}
for who in ["tern", "trl"]:
    mine = [[float(x) for x in r[1:]] for r in rows if r[0] == who]
    s = statistics.median(m[0] for m in mine); med[who] = s
    extra = f"{statistics.median(m[2] for m in mine):.0f} | {statistics.median(m[3] for m in mine):.0f}" if who == "tern" else "- | -"
    print(f"| {who} | {s:.1f} | {3600 / s:.1f} | {statistics.mean(m[1] for m in mine):.0f} | {extra} |")
print(f"tern/trl steps per hour: {med['trl'] / med['tern']:.2f}x")
EOF
