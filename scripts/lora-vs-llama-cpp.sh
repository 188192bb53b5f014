#!/usr/bin/env bash
# A LoRA adapter in llama.cpp and in Tern: the same base model and adapter, greedy, 32 tokens on
# each prompt of the reference set (../shared/reference greedy.jsonl prompts, plain text), with
# llama.cpp's `llama-completion --lora` and `tern generate --lora`, and the same without the adapter.
# Prints, per prompt, whether the texts agree, and where they part the smallest gap between Tern's
# two most likely tokens (a near-tie when it is small). llama.cpp is built outside the repository (scripts/llama-cpp-build.sh). Not in CI.
#
#   scripts/lora-vs-llama-cpp.sh [ADAPTER.gguf] [-t THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
ADAPTER="${1:-Sources/TernStore/Adapters/gemma3-270m-it.gguf}"
THREADS=2
MODEL="${TERN_HOME:-$HOME/.cache/tern}/models/gemma-3-270m-q4_k_m.gguf"
LLAMA_DIR="${LLAMA_DIR:-$HOME/.cache/tern/llama.cpp}"
BIN="$LLAMA_DIR/build/bin"
[ -x "$BIN/llama-completion" ] || LLAMA_DIR="$LLAMA_DIR" scripts/llama-cpp-build.sh llama-completion
swift build -c release --product tern >/dev/null
TERN=.build/release/tern
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
PROMPTS="Tests/TernEngineTests/Fixtures/greedy.jsonl"
[ -f "$PROMPTS" ] || PROMPTS=../shared/reference/gemma3-270m-q4_k_m/greedy.jsonl
python3 -c 'import json,sys; [print(json.loads(l)["prompt"]) for l in open(sys.argv[1])]' "$PROMPTS" > "$OUT/prompts.txt"
# Each prompt with the adapter, and without it: where the base model already parts from llama.cpp
# (near-ties in the last digits), the adapter cannot be blamed.
for mode in adapter base; do
  LORA=(); [ "$mode" = adapter ] && LORA=(--lora "$ADAPTER")
  i=0
  while IFS= read -r prompt; do
    "$BIN/llama-completion" -m "$MODEL" "${LORA[@]}" -t "$THREADS" -p "$prompt" -n 32 --temp 0 -no-cnv --simple-io \
      --no-warmup 2>/dev/null </dev/null > "$OUT/llama-$mode-$i.txt" || true
    TERN_NO_TRACE=1 "$TERN" generate --model "$MODEL" "${LORA[@]}" -t "$THREADS" --temperature 0 -n 32 --json --logprobs 2 \
      "$prompt" > "$OUT/tern-$mode-$i.json"
    i=$((i + 1))
  done < "$OUT/prompts.txt"
done
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
prompts = open(os.path.join(out, "prompts.txt")).read().splitlines()
for mode in ["adapter", "base"]:
    same = 0
    print(f"-- {mode}")
    for i, prompt in enumerate(prompts):
        llama = open(os.path.join(out, f"llama-{mode}-{i}.txt")).read()
        llama = llama[len(prompt):] if llama.startswith(prompt) else llama
        tern = json.load(open(os.path.join(out, f"tern-{mode}-{i}.json")))
        text = tern["text"]
        n = min(len(text), len(llama))
        k = next((j for j in range(n) if text[j] != llama[j]), n)
        if k == n:
            same += 1
            print(f"same     {prompt!r}: {text[:60]!r}")
            continue
        # The smallest gap between Tern's two most likely tokens over the generation: a divergence
        # where that gap is tiny is a near-tie, which float summation order alone can flip.
        gaps = [step[0][1] - step[1][1] for step in tern["top_logprobs"] if len(step) > 1]
        print(f"DIFFERS  {prompt!r} at char {k}: tern {text[k:k+30]!r} / llama.cpp {llama[k:k+30]!r}; "
              f"smallest top-2 logprob gap in Tern's run {min(gaps):.3f}")
    print(f"{mode}: {same} of {len(prompts)} prompts give the same greedy text")
PY
