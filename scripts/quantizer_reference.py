#!/usr/bin/env python3
"""Golden data for Tern's quantizers (quantize.c), from ggml itself.

Builds 16 rows of 512 floats that reach every branch of ggml's reference quantizers (typical
weights, outliers, all-positive and all-negative rows, zero and constant blocks, values far below
and above fp16's comfortable range, exact rounding ties), quantizes them with ggml's own
`ggml_quantize_chunk` (loaded from a llama.cpp build's libggml-base.so, no importance matrix, as
llama-quantize calls it), and writes the input and every type's bytes as tensors of one GGUF:

    Tests/TernGGUFTests/Fixtures/quantizer_golden.gguf
      input    F32 [512, 16]
      Q8_0 … TQ2_0   the same rows quantized by ggml

Then it runs llama-quantize with every preset on each tiny zoo model
(Tests/TernModelsTests/Fixtures/zoo/*/model.gguf) and records the SHA-256 of each output in
Tests/TernGGUFTests/Fixtures/presets.json, which `tern quantize` must reproduce byte for byte; the
same for three presets from an F16 copy of the llama model (llama-F16.gguf, also written there).

    python3 scripts/quantizer_reference.py [--bin DIR]   # DIR holds libggml-base.so and llama-quantize
                                                          # (default ~/.cache/tern/llama.cpp/build/bin)

Deterministic (fixed seed). Needs numpy and gguf (pip install gguf).
"""

import argparse
import ctypes
import hashlib
import json
import os
import pathlib
import subprocess
import tempfile

import gguf
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/TernGGUFTests/Fixtures/quantizer_golden.gguf"
PRESETS_OUT = ROOT / "Tests/TernGGUFTests/Fixtures/presets.json"
ZOO = ROOT / "Tests/TernModelsTests/Fixtures/zoo"
PRESETS = ["Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "TQ1_0", "TQ2_0"]
N = 512
TYPES = ["Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1", "Q4_K", "Q5_K", "Q6_K", "TQ1_0", "TQ2_0"]


def rows(rng):
    normal = lambda scale=1.0: rng.standard_normal(N) * scale
    r = [
        normal(),                                        # plain
        normal(0.02),                                    # typical weight scale
        rng.uniform(-1, 1, N),                           # flat
        rng.standard_t(2, N),                            # heavy tails
        np.abs(normal()) + 0.5,                          # all positive: the minimum is clamped to 0
        -np.abs(normal()) - 0.5,                         # all negative
        np.concatenate([np.zeros(256), normal()[:256]]), # a zero super-block
        normal(),                                        # zero sub-blocks of 32 and of 16, below
        np.full(N, 0.25),                                # constant: max == min
        normal(1e-20),                                   # below fp16 and below 1e-15
        normal(1e3),                                     # large
        rng.integers(-16, 17, N) / 2.0,                  # exact halves: rounding ties
        np.arange(N) * 0.1 - 25.0,                       # a ramp
        normal(1e-6),                                    # fp16 subnormal scales
        np.where(np.arange(N) == 77, 100.0, normal()),   # one outlier
        np.where(rng.uniform(size=N) < 0.05, rng.choice([-1.0, 1.0], N), 0.0),  # sparse
    ]
    r[7][64:96] = 0
    r[7][304:320] = 0
    return np.stack(r).astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.expanduser("~/.cache/tern/llama.cpp/build/bin"))
    args = ap.parse_args()
    lib = ctypes.CDLL(str(pathlib.Path(args.bin) / "libggml-base.so"))
    lib.ggml_quantize_chunk.restype = ctypes.c_size_t
    lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                        ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    x = rows(np.random.default_rng(20261205))
    writer = gguf.GGUFWriter(str(OUT), "quantizer-golden")
    writer.add_tensor("input", x)
    for name in TYPES:
        qtype = gguf.GGMLQuantizationType[name]
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        out = np.zeros((x.shape[0], N // block * size), dtype=np.uint8)
        written = lib.ggml_quantize_chunk(int(qtype), x.ctypes.data, out.ctypes.data, 0, x.shape[0], N, None)
        assert written == out.size, (name, written, out.size)
        writer.add_tensor(name, out, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {OUT}")

    shas = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model in sorted(ZOO.glob("*/model.gguf")):
            arch = model.parent.name
            for preset in PRESETS:
                out = pathlib.Path(tmp) / f"{arch}-{preset}.gguf"
                subprocess.run([str(pathlib.Path(args.bin) / "llama-quantize"), str(model), str(out), preset],
                               check=True, capture_output=True)
                shas[f"{arch}/{preset}"] = hashlib.sha256(out.read_bytes()).hexdigest()
        # An F16 source: the llama model in F16 (committed), then three presets from it.
        f16 = OUT.parent / "llama-F16.gguf"
        subprocess.run([str(pathlib.Path(args.bin) / "llama-quantize"), str(ZOO / "llama/model.gguf"), str(f16), "F16"],
                       check=True, capture_output=True)
        for preset in ["Q8_0", "Q4_K_M", "Q6_K"]:
            out = pathlib.Path(tmp) / f"f16-{preset}.gguf"
            subprocess.run([str(pathlib.Path(args.bin) / "llama-quantize"), str(f16), str(out), preset],
                           check=True, capture_output=True)
            shas[f"llama-F16/{preset}"] = hashlib.sha256(out.read_bytes()).hexdigest()
    PRESETS_OUT.write_text(json.dumps(shas, indent=1, sort_keys=True) + "\n")
    print(f"wrote {PRESETS_OUT} ({len(shas)} outputs)")


if __name__ == "__main__":
    main()
