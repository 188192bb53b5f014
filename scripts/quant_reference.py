#!/usr/bin/env python3
"""Golden data for Tern's dequantizers, from llama.cpp's own Python implementation (gguf-py).

For every block format Tern reads, this makes a few blocks of random bytes (with the fp16 scale
fields d/dmin set to finite values, some negative, one subnormal), dequantizes them with
`gguf.quants.dequantize`, and writes raw bytes and expected floats as hex to
Tests/TernKernelsTests/Fixtures/quant_golden.json. It also records NumPy's float32 -> float16
rounding (round to nearest even) for random floats, to check floatToHalf.

    python3 scripts/quant_reference.py        # rewrites the fixture; commit the result

Deterministic: fixed seed, no network. Needs `gguf` and `numpy` (pip install gguf).
"""

import json
import pathlib

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q

SEED = 20240611
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/TernKernelsTests/Fixtures/quant_golden.json"

# type -> (blocks to generate, byte offsets of fp16 scale fields inside a block)
QUANT_TYPES = {
    Q.Q4_0: (8, [0]),
    Q.Q5_0: (8, [0]),
    Q.Q8_0: (8, [0]),
    Q.Q4_K: (4, [0, 2]),
    Q.Q5_K: (4, [0, 2]),
    Q.Q6_K: (4, [208]),
    Q.Q4_1: (8, [0, 2]),
    Q.Q5_1: (8, [0, 2]),
    Q.TQ1_0: (4, [52]),
    Q.TQ2_0: (4, [64]),
}

# Edge-case halves: zeros, smallest/largest subnormal, smallest normal, largest finite, 1, -2,
# infinities, NaNs (quiet and signalling patterns).
SPECIAL_F16 = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x7BFF, 0xFBFF, 0x3C00, 0xC000,
               0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE00, 0x3555]
# Edge-case bfloat16: zeros, 1, -1, smallest subnormal, largest finite, infinities, NaN.
SPECIAL_BF16 = [0x0000, 0x8000, 0x3F80, 0xBF80, 0x0001, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0]


def scale_halves(rng, n):
    """Finite fp16 scales of typical magnitude with random signs; the first is subnormal."""
    values = (rng.standard_normal(n) * 0.02).astype(np.float16)
    values[0] = np.uint16(0x0123).view(np.float16)  # subnormal: 291 * 2^-24
    return values


def quant_case(rng, qtype, blocks, scale_offsets):
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(blocks, type_size), dtype=np.uint8)
    for offset in scale_offsets:
        raw[:, offset:offset + 2] = scale_halves(rng, blocks).view(np.uint8).reshape(blocks, 2)
    expected = gguf.quants.dequantize(raw.reshape(-1), qtype).astype(np.float32)
    assert expected.size == blocks * block_size
    return case(qtype, raw.reshape(-1), expected)


def case(qtype, raw, expected):
    return {
        "type": qtype.name,
        "id": int(qtype.value),
        "count": int(expected.size),
        "raw": raw.astype(np.uint8).tobytes().hex(),
        "expected": expected.astype("<f4").tobytes().hex(),
    }


def main():
    rng = np.random.default_rng(SEED)
    cases = [quant_case(rng, t, blocks, offsets) for t, (blocks, offsets) in QUANT_TYPES.items()]

    f16 = np.concatenate([np.array(SPECIAL_F16, dtype=np.uint16),
                          rng.integers(0, 1 << 16, size=240, dtype=np.uint16)]).astype("<u2")
    cases.append(case(Q.F16, f16.view(np.uint8), gguf.quants.dequantize(f16.view(np.uint8), Q.F16)))

    bf16 = np.concatenate([np.array(SPECIAL_BF16, dtype=np.uint16),
                           rng.integers(0, 1 << 16, size=247, dtype=np.uint16)]).astype("<u2")
    cases.append(case(Q.BF16, bf16.view(np.uint8), gguf.quants.dequantize(bf16.view(np.uint8), Q.BF16)))

    f32 = rng.standard_normal(64).astype("<f4")
    cases.append(case(Q.F32, f32.view(np.uint8), gguf.quants.dequantize(f32.view(np.uint8), Q.F32)))

    # float -> half: magnitudes from far below the smallest subnormal to past the largest finite.
    mags = np.exp2(rng.uniform(-27, 17, size=2000)).astype(np.float32)
    signs = np.where(rng.integers(0, 2, size=mags.size) == 1, -1, 1).astype(np.float32)
    floats = (mags * signs).astype("<f4")
    with np.errstate(over="ignore"):
        halves = floats.astype(np.float16).view("<u2")

    fixture = {
        "generator": f"scripts/quant_reference.py (gguf-py {gguf_version()}, numpy {np.__version__}, seed {SEED})",
        "cases": cases,
        "floatToHalf": {"input": floats.tobytes().hex(), "expected": halves.tobytes().hex()},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


def gguf_version():
    try:
        from importlib.metadata import version
        return version("gguf")
    except Exception:
        return "unknown"


if __name__ == "__main__":
    main()
