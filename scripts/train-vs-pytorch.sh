#!/usr/bin/env bash
# Training speed and memory, Tern against Hugging Face transformers + peft on this machine: the
# same model (the default GGUF; PyTorch loads it dequantized to float32), the same data (chunks
# of GPL-3.txt as {"prompt": "", "completion": …}, loss on every token), sequence length, batch
# and LoRA configuration, the same thread count; runs alternate (tern, torch, tern, torch, …).
# Prints a table with tokens/s and peak RSS (from /usr/bin/time -v) and the ratios.
#
#   scripts/train-vs-pytorch.sh [-t THREADS] [-r REPS] [-c CTX] [-b BATCH_TOKENS] [-s STEPS] [-l LR] [-f] [-p PYTHON] [-e "TERN ARGS"]
#
# -f: full fine-tuning instead of LoRA (rank 16, alpha 32, q,k,v,o,gate,up,down).
# -e: more arguments for `tern train sft` (say --float-backward, to measure that path).
# -p: a python with torch, transformers, peft and gguf (default: $TORCH_PYTHON, else
#     ~/.cache/tern/torch/bin/python, created on first use; torch is a large download). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=2; REPS=2; CTX=256; BATCH=1024; STEPS=4; LR=2e-4; FULL=""; EXTRA=""
PY="${TORCH_PYTHON:-$HOME/.cache/tern/torch/bin/python}"
while getopts "t:r:c:b:s:l:fp:e:" opt; do
  case $opt in t) THREADS=$OPTARG ;; r) REPS=$OPTARG ;; c) CTX=$OPTARG ;; b) BATCH=$OPTARG ;; s) STEPS=$OPTARG ;; l) LR=$OPTARG ;;
    f) FULL=1 ;; p) PY=$OPTARG ;; e) EXTRA=$OPTARG ;; *) exit 2 ;; esac
done
MODEL="${TERN_HOME:-$HOME/.cache/tern}/models/gemma-3-270m-q4_k_m.gguf"
if [ ! -x "$PY" ]; then
  echo "creating $(dirname "$(dirname "$PY")") with torch, transformers, peft, gguf (once)" >&2
  python3 -m venv "$(dirname "$(dirname "$PY")")"
  "$PY" -m pip install --quiet torch transformers peft gguf accelerate
fi
swift build -c release --product tern >/dev/null
TERN=.build/release/tern
[ -f "$MODEL" ] || $TERN pull gemma3-270m >/dev/null

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Chunks of ~1,500 characters (more than CTX tokens each, so every sequence is full).
python3 - "$WORK/bench.jsonl" <<'EOF'
import json, sys
text = open("Tests/TernEngineTests/Fixtures/GPL-3.txt").read()
chunks = [text[i:i + 1500] for i in range(0, len(text) - 1500, 1500)]
with open(sys.argv[1], "w") as f:
    for c in chunks:
        f.write(json.dumps({"prompt": "", "completion": c}) + "\n")
EOF

MODE_TERN=(--lora-rank 16 --lora-alpha 32 --lora-dropout 0.05); MODE_TORCH=(--lora-rank 16 --lora-alpha 32)
if [ -n "$FULL" ]; then MODE_TERN=(--full); MODE_TORCH=(--full); fi

peak_kb() { grep "Maximum resident set size" "$1" | awk '{print $NF}'; }
RESULTS="$WORK/results.txt"
for r in $(seq 1 "$REPS"); do
  rm -rf "$WORK/run"
  /usr/bin/time -v "$TERN" train sft --model "$MODEL" --data "$WORK/bench.jsonl" --out "$WORK/run" --ctx "$CTX" \
    --batch-tokens "$BATCH" --max-steps "$STEPS" --checkpoint-every 1000 --epochs 1 --lr "$LR" -t "$THREADS" "${MODE_TERN[@]}" $EXTRA \
    >/dev/null 2>"$WORK/tern.time"
  # tokens/s over the steps after the first, from the run's own log.
  python3 - "$WORK/run/log.jsonl" "$(peak_kb "$WORK/tern.time")" >>"$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
later = rows[1:] or rows
tok = sum(r["tokens"] for r in later); sec = sum(r["tokens"] / r["tokens_per_s"] for r in later)
print("tern", tok / sec, int(sys.argv[2]) * 1024, " ".join("%.4f" % r["loss"] for r in rows))
EOF
  /usr/bin/time -v "$PY" scripts/train_pytorch.py --gguf "$MODEL" --data "$WORK/bench.jsonl" --ctx "$CTX" \
    --batch-tokens "$BATCH" --steps "$STEPS" --threads "$THREADS" --lr "$LR" "${MODE_TORCH[@]}" >"$WORK/torch.json" 2>"$WORK/torch.time"
  python3 - "$WORK/torch.json" "$(peak_kb "$WORK/torch.time")" >>"$RESULTS" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print("torch", r["tokens_per_second"], int(sys.argv[2]) * 1024, " ".join("%.4f" % l for l in r["losses"]))
EOF
done

python3 - "$RESULTS" "${FULL:+full}" "$CTX" "$BATCH" "$STEPS" "$THREADS" <<'EOF'
import sys, statistics
rows = [l.split(maxsplit=3) for l in open(sys.argv[1])]
mode = "full fine-tuning" if sys.argv[2] == "full" else "LoRA r=16 (q,k,v,o,gate,up,down)"
print(f"{mode}; ctx {sys.argv[3]}, {sys.argv[4]} tokens a step, {sys.argv[5]} steps, {sys.argv[6]} threads")
print("| run | tokens/s (median) | peak RSS (GiB) | losses (last run) |")
print("|---|---:|---:|---|")
best = {}
for who in ["tern", "torch"]:
    mine = [r for r in rows if r[0] == who]
    tps = statistics.median(float(r[1]) for r in mine); rss = max(int(r[2]) for r in mine) / 2**30
    best[who] = (tps, rss)
    print(f"| {who} | {tps:.1f} | {rss:.2f} | {mine[-1][3].strip()} |")
print(f"tern/torch: tokens/s {best['tern'][0] / best['torch'][0]:.2f}x, peak RSS {best['tern'][1] / best['torch'][1]:.2f}x")
EOF
