#!/usr/bin/env bash
# Builds llama.cpp tools outside the repository, once, from the llama-cpp-python source package
# (which vendors llama.cpp): into $LLAMA_DIR (default ~/.cache/tern/llama.cpp), binaries in
# $LLAMA_DIR/build/bin. Used by bench-vs-llama-cpp.sh and lora-vs-llama-cpp.sh. Not part of CI.
#
#   scripts/llama-cpp-build.sh TARGET...      (e.g. llama-bench llama-completion)
set -euo pipefail
LLAMA_DIR="${LLAMA_DIR:-$HOME/.cache/tern/llama.cpp}"
[ -d "$LLAMA_DIR/build" ] && { PATH="$LLAMA_DIR/venv/bin:$PATH" ninja -C "$LLAMA_DIR/build" "$@" >/dev/null; exit 0; }
echo "building llama.cpp in $LLAMA_DIR (once; takes a while)" >&2
mkdir -p "$LLAMA_DIR"
python3 -m venv "$LLAMA_DIR/venv"
"$LLAMA_DIR/venv/bin/python" -m pip install --quiet cmake ninja scikit-build-core
"$LLAMA_DIR/venv/bin/python" -m pip download --quiet --no-deps --no-binary llama-cpp-python \
  --no-build-isolation llama-cpp-python -d "$LLAMA_DIR/src"
tar -xzf "$LLAMA_DIR"/src/llama_cpp_python-*.tar.gz -C "$LLAMA_DIR/src"
source=$(ls -d "$LLAMA_DIR"/src/llama_cpp_python-*/vendor/llama.cpp | head -1)
# Name the instruction sets instead of -march=native: on VMs that list AMX without enabling
# it, the native build dies with SIGILL.
flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)
if grep -qw avx512f /proc/cpuinfo; then flags+=(-DGGML_AVX512=ON); fi
if grep -qw avx512_vnni /proc/cpuinfo; then flags+=(-DGGML_AVX512_VNNI=ON); fi
if grep -qw avx512vbmi /proc/cpuinfo; then flags+=(-DGGML_AVX512_VBMI=ON); fi
if grep -qw avx512_bf16 /proc/cpuinfo; then flags+=(-DGGML_AVX512_BF16=ON); fi
if grep -qw avx_vnni /proc/cpuinfo; then flags+=(-DGGML_AVX_VNNI=ON); fi
PATH="$LLAMA_DIR/venv/bin:$PATH" cmake -S "$source" -B "$LLAMA_DIR/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF "${flags[@]}" >/dev/null
PATH="$LLAMA_DIR/venv/bin:$PATH" ninja -C "$LLAMA_DIR/build" "$@" >/dev/null
