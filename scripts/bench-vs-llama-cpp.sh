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

install_llama_cpp() {
  echo "building llama.cpp in $LLAMA_DIR (once; takes a while)" >&2
  mkdir -p "$LLAMA_DIR"
  python3 -m venv "$LLAMA_DIR/venv"
  "$LLAMA_DIR/venv/bin/python" -m pip install --quiet cmake ninja scikit-build-core
  "$LLAMA_DIR/venv/bin/python" -m pip download --quiet --no-deps --no-binary llama-cpp-python \
    --no-build-isolation llama-cpp-python -d "$LLAMA_DIR/src"
  tar -xzf "$LLAMA_DIR"/src/llama_cpp_python-*.tar.gz -C "$LLAMA_DIR/src"
  local source; source=$(ls -d "$LLAMA_DIR"/src/llama_cpp_python-*/vendor/llama.cpp | head -1)
  # Name the instruction sets instead of -march=native: on VMs that list AMX without enabling
  # it, the native build dies with SIGILL.
  local flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)
  if grep -qw avx512f /proc/cpuinfo; then flags+=(-DGGML_AVX512=ON); fi
  if grep -qw avx512_vnni /proc/cpuinfo; then flags+=(-DGGML_AVX512_VNNI=ON); fi
  if grep -qw avx512vbmi /proc/cpuinfo; then flags+=(-DGGML_AVX512_VBMI=ON); fi
  if grep -qw avx512_bf16 /proc/cpuinfo; then flags+=(-DGGML_AVX512_BF16=ON); fi
  if grep -qw avx_vnni /proc/cpuinfo; then flags+=(-DGGML_AVX_VNNI=ON); fi
  PATH="$LLAMA_DIR/venv/bin:$PATH" cmake -S "$source" -B "$LLAMA_DIR/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF "${flags[@]}" >/dev/null
  PATH="$LLAMA_DIR/venv/bin:$PATH" ninja -C "$LLAMA_DIR/build" llama-bench llama-batched-bench llama-completion >/dev/null
}

[ -x "$BIN/llama-bench" ] && [ -x "$BIN/llama-batched-bench" ] && [ -x "$BIN/llama-completion" ] || install_llama_cpp
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
