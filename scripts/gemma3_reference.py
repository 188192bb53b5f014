#!/usr/bin/env python3
"""Golden logits for Tern's Gemma 3: a plain NumPy forward pass over a tiny random-weight model.

Makes a Gemma-3-shaped model small enough to commit (vocab 48, dim 32, 6 layers, 4 query heads
sharing 1 KV head of width 16, FFN 64, sliding window 4), runs 12 tokens through it in float64
exactly as llama.cpp's gemma3 graph defines the computation, and writes weights, metadata,
tokens and logits to Tests/TernModelsTests/Fixtures/tiny-gemma3.json. TinyGemma3Tests writes
the weights into a GGUF with Tern's own writer, loads it with Tern's Gemma3 and compares logits.

    python3 scripts/gemma3_reference.py      # rewrites the fixture; commit the result
    python3 scripts/gemma3_reference.py --check-types ~/.cache/tern/models/gemma-3-270m-q4_k_m.gguf
                                             # also checks metadata_types against a real file

Deterministic (fixed seed, fixed formatting, no network); needs only numpy.

Fixture layout
  metadata / metadata_types   GGUF keys and the value types the real gemma-3-270m file uses
                              (checked with gguf.GGUFReader: every integer is UINT32, epsilon and
                              rope.freq_base are FLOAT32).
  tensors[name]               {"shape": [ne0, ne1], "data": [...]}: ggml order (ne0 = row length,
                              innermost), data row-major with ne0 fastest, all F32. Every weight is
                              a float32 printed in its shortest round-trip form, and the reference
                              is computed from those float32 values, so the Swift side loads
                              bit-identical weights.
  tokens, logits              12 token ids; logits[t] = the 48 logits after token t (positions 0...).
  llama_cpp_cpu_logits        the same forward with llama.cpp's CPU arithmetic where it differs
                              by more than float rounding: the fp16 GELU table (fact 8) and keys
                              and values rounded to fp16 (the default F16 KV cache). Tern computes
                              this; the test compares against it.

Facts taken from llama.cpp (ggml-org/llama.cpp, read with a code search; facts only, no code):
 1. Graph, src/models/gemma3.cpp (llm_build_gemma3<iswa>; older trees: gemma3_iswa.cpp):
    token embeddings scaled by sqrtf(n_embd); per layer: RMSNorm * attn_norm -> wq, wk, wv ->
    reshape to [head_dim, heads, tokens] -> RMSNorm * attn_q_norm / attn_k_norm per head
    (weights of length head_dim) -> ggml_rope_ext on Q and K with the layer's freq base ->
    Q scaled by hparams.f_attention_scale -> build_attn(..., kq_scale = 1.0) incl. wo ->
    RMSNorm * attn_post_norm applied to the attention output, THEN + residual -> RMSNorm * ffn_norm
    -> build_ffn(up, gate, down, LLM_FFN_GELU, LLM_FFN_PAR) -> RMSNorm * ffn_post_norm, THEN
    + residual. Final RMSNorm * output_norm, then model.output.
 2. Tied output, src/llama-model.cpp load_tensors LLM_ARCH_GEMMA3: output.weight is
    TENSOR_NOT_REQUIRED; when absent, output = token_embd.weight (TENSOR_DUPLICATED). Shapes there:
    wq {n_embd, head_dim*n_head}, wk/wv {n_embd, head_dim*n_head_kv}, wo {head_dim*n_head, n_embd},
    q/k norms {head_dim}, ffn_gate/up {n_embd, n_ff}, ffn_down {n_ff, n_embd}.
 3. No logit soft-capping: load_hparams LLM_ARCH_GEMMA3 sets f_final_logit_softcapping = 0 and
    reads gemma3.final_logit_softcapping only if present (the real file has no such key); gemma3.cpp
    applies the tanh cap only `if (hparams.f_final_logit_softcapping)` (older gemma3_iswa.cpp never
    does). No attention-logit soft-capping either (attn_soft_cap is set for Gemma 2 only).
 4. Attention scale, load_hparams LLM_ARCH_GEMMA3: f_attention_scale = 1/sqrt(n_embd_head_k) unless
    the model type is 27B (n_layer == 62), where it is 1/sqrt(n_embd/n_head). Here 1/sqrt(16).
 5. Sliding layers, load_hparams: if gemma3.attention.sliding_window is present and > 0,
    swa_type = LLAMA_SWA_TYPE_STANDARD, set_swa_pattern(6), rope_freq_base_train_swa = 10000,
    rope_freq_scale_train_swa = 1. src/llama-hparams.cpp set_swa_pattern: layer il is sliding iff
    il % 6 < 5 (so layer 5 of 6 is global). src/llama-model.cpp get_rope_freq_base: sliding ->
    rope_freq_base_train_swa (10000), global -> cparams.rope_freq_base (= gemma3.rope.freq_base).
 6. SWA mask boundary, src/llama-hparams.cpp is_masked_swa, STANDARD: masked iff p1 - p0 >= n_swa,
    where (src/llama-kv-cache.cpp set_input_kq_mask) p0 is the key's position and p1 the query's.
    With the causal rule (masked iff p0 > p1) a query at q sees keys p with 0 <= q - p < n_swa:
    itself and the n_swa - 1 tokens before it. Global layers: causal only.
 7. RoPE style, src/llama-model.cpp llama_model_rope_type: LLM_ARCH_GEMMA3 -> LLAMA_ROPE_TYPE_NEOX
    ("the pairs of head values are offset by n_rot/2"). ggml-cpu ops.cpp rotate_pairs for NEOX:
    pair (x[i], x[i + n_dims/2]) rotated by pos * base^(-2i/n_dims), i < n_dims/2;
    n_rot = head_dim (no gemma3.rope.dimension_count key), no YaRN/scaling for this model.
 8. GeGLU: build_ffn with LLM_FFN_GELU + LLM_FFN_PAR calls ggml_geglu_split(gate_out, up_out) =
    gelu(gate_out) * up_out; ggml's gelu is the tanh form 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))).
    NOTE: ggml/src/ggml-cpu/vec.h defines GGML_GELU_FP16, so the CPU f32 GeGLU rounds x to fp16 and
    reads gelu from an fp16 table (x <= -10 -> 0, x >= 10 -> x). The `logits` here use the exact
    formula; `llama_cpp_cpu_logits` emulate the table.
 9. RMSNorm (ggml-cpu ops.cpp ggml_compute_forward_rms_norm_f32): x * 1/sqrt(mean(x^2) + eps); the
    weight is a separate ggml_mul with the weight AS STORED. convert_hf_to_gguf.py Gemma3Model has
    norm_shift 1.0 for tensors named *norm.weight ("Gemma3RMSNorm adds 1.0"), so GGUF norm weights
    already include the +1 and nothing is added at inference.
Not modelled (llama.cpp numerics, not semantics): its default F16 KV cache, f32 accumulation orders.
"""

import argparse
import json
import math
import pathlib
from fractions import Fraction

import numpy as np

SEED = 20250806
OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/TernModelsTests/Fixtures/tiny-gemma3.json"

VOCAB, DIM, LAYERS, HEADS, KV_HEADS, HEAD_DIM, FFN = 48, 32, 6, 4, 1, 16, 64
WINDOW, EPS, ROPE_BASE_GLOBAL, ROPE_BASE_LOCAL = 4, 1e-6, 1_000_000.0, 10_000.0
SWA_PATTERN = 6  # fact 5: every 6th layer (il % 6 == 5) is global
N_TOKENS = 12

METADATA = [  # (key, value, GGUF type in the real gemma-3-270m file)
    ("general.architecture", "gemma3", "string"),
    ("gemma3.context_length", 64, "uint32"),
    ("gemma3.embedding_length", DIM, "uint32"),
    ("gemma3.block_count", LAYERS, "uint32"),
    ("gemma3.feed_forward_length", FFN, "uint32"),
    ("gemma3.attention.head_count", HEADS, "uint32"),
    ("gemma3.attention.head_count_kv", KV_HEADS, "uint32"),
    ("gemma3.attention.key_length", HEAD_DIM, "uint32"),
    ("gemma3.attention.value_length", HEAD_DIM, "uint32"),
    ("gemma3.attention.layer_norm_rms_epsilon", EPS, "float32"),
    ("gemma3.rope.freq_base", ROPE_BASE_GLOBAL, "float32"),
    ("gemma3.attention.sliding_window", WINDOW, "uint32"),
]


# ---------------------------------------------------------------- weights

def make_weights(rng):
    """name -> float32 array in NumPy order: a ggml [ne0, ne1] matrix is an (ne1, ne0) array, so
    `w @ x` is ggml_mul_mat(w, x). Scales keep activations O(1): matrices ~ N(0, s^2/fan_in),
    norm weights 1 + N(0, 0.2^2) (realistic for GGUF norms, which already include Gemma's +1)."""
    weights = {}

    def matrix(name, ne0, ne1, gain=1.0):
        weights[name] = (rng.standard_normal((ne1, ne0)) * gain / math.sqrt(ne0)).astype(np.float32)

    def norm(name, n, spread=0.2):
        weights[name] = (1.0 + spread * rng.standard_normal(n)).astype(np.float32)

    # Embedding rows ~ N(0, 0.5^2): tied logits = h . row with |h| ~ sqrt(DIM), so logits ~ N(0, 8).
    weights["token_embd.weight"] = (0.5 * rng.standard_normal((VOCAB, DIM))).astype(np.float32)
    norm("output_norm.weight", DIM)
    for il in range(LAYERS):
        p = f"blk.{il}."
        norm(p + "attn_norm.weight", DIM)
        matrix(p + "attn_q.weight", DIM, HEADS * HEAD_DIM)
        matrix(p + "attn_k.weight", DIM, KV_HEADS * HEAD_DIM)
        matrix(p + "attn_v.weight", DIM, KV_HEADS * HEAD_DIM)
        norm(p + "attn_q_norm.weight", HEAD_DIM, spread=0.3)  # wider: spreads the attention scores
        norm(p + "attn_k_norm.weight", HEAD_DIM, spread=0.3)
        matrix(p + "attn_output.weight", HEADS * HEAD_DIM, DIM)
        norm(p + "post_attention_norm.weight", DIM)
        norm(p + "ffn_norm.weight", DIM)
        matrix(p + "ffn_gate.weight", DIM, FFN, gain=1.5)  # gate pre-activations reach |x| ~ 3-5
        matrix(p + "ffn_up.weight", DIM, FFN)
        matrix(p + "ffn_down.weight", FFN, DIM)
        norm(p + "post_ffw_norm.weight", DIM)
    return weights


# ---------------------------------------------------------------- forward (float64)

def rms_norm(x, weight):
    """Fact 9: normalize the last axis, then multiply by the stored weight."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS) * weight


def rope_neox(x, positions, base):
    """Fact 7. x: (tokens, heads, head_dim); rotates the pairs (i, i + head_dim/2)."""
    half = x.shape[-1] // 2
    inv_freq = base ** (-2.0 * np.arange(half) / x.shape[-1])  # (half,)
    angle = positions[:, None, None] * inv_freq[None, None, :]  # (tokens, 1, half)
    cos, sin = np.cos(angle), np.sin(angle)
    x0, x1 = x[..., :half], x[..., half:]
    return np.concatenate([x0 * cos - x1 * sin, x0 * sin + x1 * cos], axis=-1)


def gelu_tanh(x):
    """Fact 8, the formula."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_ggml_cpu(x):
    """Fact 8, llama.cpp's CPU arithmetic: x rounded to fp16, gelu evaluated in float32 at that
    point and rounded to fp16 (the table entry); |x| >= 10 bypasses the table. Matches the table
    except, rarely, where numpy's float32 tanh and libm's tanhf round differently."""
    x16 = x.astype(np.float16).astype(np.float32)
    a, c = np.float32(0.044715), np.float32(0.79788456080286535587989211986876)
    with np.errstate(over="ignore"):
        g32 = np.float32(0.5) * x16 * (np.float32(1) + np.tanh(c * x16 * (np.float32(1) + a * x16 * x16)))
    table = g32.astype(np.float16).astype(np.float64)
    return np.where(x <= -10.0, 0.0, np.where(x >= 10.0, x, table))


def is_sliding(layer):
    return layer % SWA_PATTERN < SWA_PATTERN - 1  # fact 5


def attention_mask(n, sliding):
    """Fact 6. True where query row q may attend key column p."""
    q = np.arange(n)[:, None]
    p = np.arange(n)[None, :]
    visible = p <= q
    if sliding:
        visible &= (q - p) < WINDOW
    return visible


def forward(w, tokens, gelu=gelu_tanh, half_kv=False, stats=None):
    """All positions at once (causal). Returns logits (tokens, VOCAB) in float64. With half_kv,
    keys (after RoPE) and values are rounded to fp16 as llama.cpp's default F16 KV cache stores them."""
    f = {name: t.astype(np.float64) for name, t in w.items()}
    n = len(tokens)
    positions = np.arange(n, dtype=np.float64)
    x = f["token_embd.weight"][tokens] * math.sqrt(DIM)  # (n, DIM), fact 1
    group = HEADS // KV_HEADS
    scale = 1.0 / math.sqrt(HEAD_DIM)  # fact 4

    for il in range(LAYERS):
        p = f"blk.{il}."
        sliding = is_sliding(il)
        base = ROPE_BASE_LOCAL if sliding else ROPE_BASE_GLOBAL

        h = rms_norm(x, f[p + "attn_norm.weight"])
        q = (h @ f[p + "attn_q.weight"].T).reshape(n, HEADS, HEAD_DIM)
        k = (h @ f[p + "attn_k.weight"].T).reshape(n, KV_HEADS, HEAD_DIM)
        v = (h @ f[p + "attn_v.weight"].T).reshape(n, KV_HEADS, HEAD_DIM)
        q = rope_neox(rms_norm(q, f[p + "attn_q_norm.weight"]), positions, base) * scale
        k = rope_neox(rms_norm(k, f[p + "attn_k_norm.weight"]), positions, base)
        if half_kv:
            k = k.astype(np.float32).astype(np.float16).astype(np.float64)
            v = v.astype(np.float32).astype(np.float16).astype(np.float64)

        mask = attention_mask(n, sliding)
        out = np.empty((n, HEADS, HEAD_DIM))
        for head in range(HEADS):
            kv = head // group  # query heads share KV heads in consecutive groups
            scores = np.where(mask, q[:, head] @ k[:, kv].T, -np.inf)  # (n, n)
            probs = np.exp(scores - scores.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            out[:, head] = probs @ v[:, kv]
            if stats is not None:  # how peaked attention is where a query sees several keys
                stats.setdefault("top_weight", []).extend(probs.max(axis=1)[mask.sum(axis=1) > 1])
        attn = out.reshape(n, HEADS * HEAD_DIM) @ f[p + "attn_output.weight"].T
        x = x + rms_norm(attn, f[p + "post_attention_norm.weight"])

        h = rms_norm(x, f[p + "ffn_norm.weight"])
        gate = h @ f[p + "ffn_gate.weight"].T
        ffn = (gelu(gate) * (h @ f[p + "ffn_up.weight"].T)) @ f[p + "ffn_down.weight"].T
        x = x + rms_norm(ffn, f[p + "post_ffw_norm.weight"])
        if stats is not None:
            stats["max_gate"] = max(stats.get("max_gate", 0.0), np.abs(gate).max())

    h = rms_norm(x, f["output_norm.weight"])
    return h @ f["token_embd.weight"].T  # tied output, fact 2; no soft-capping, fact 3


# ---------------------------------------------------------------- JSON

def float32_text(value):
    """Shortest decimal that reads back as this float32, both when parsed straight to float and
    when parsed to double first and then narrowed (checked exactly)."""
    f = np.float32(value)
    text = str(f)
    assert np.float32(float(text)) == f, text
    exact, decimal = Fraction(float(f)), Fraction(text)
    ulp = Fraction(float(np.spacing(np.abs(f))))
    assert abs(decimal - exact) < ulp / 2, text
    return text


def number_list(values, fmt):
    return "[" + ",".join(fmt(v) for v in values) + "]"


def render(weights, tokens, logits, cpu_logits, description):
    meta = ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v, _ in METADATA)
    types = ",".join(f"{json.dumps(k)}:{json.dumps(t)}" for k, _, t in METADATA)
    tensors = []
    for name in sorted(weights):
        t = weights[name]
        shape = list(reversed(t.shape))  # ggml order: ne0 first
        data = number_list(t.reshape(-1), float32_text)
        tensors.append(f"{json.dumps(name)}:{{\"shape\":{json.dumps(shape)},\"data\":{data}}}")
    fmt8 = lambda v: format(float(v), ".8g")  # noqa: E731
    rows = lambda m: "[" + ",\n".join(number_list(r, fmt8) for r in m) + "]"  # noqa: E731
    return (
        "{\n"
        f"\"description\":{json.dumps(description)},\n"
        f"\"metadata\":{{{meta}}},\n"
        f"\"metadata_types\":{{{types}}},\n"
        f"\"tokens\":{json.dumps([int(t) for t in tokens])},\n"
        f"\"logits\":{rows(logits)},\n"
        f"\"llama_cpp_cpu_logits\":{rows(cpu_logits)},\n"
        "\"tensors\":{\n" + ",\n".join(tensors) + "}\n"
        "}\n"
    )


def check_types(path):
    """Compares METADATA's types with a real GGUF (needs gguf-py)."""
    import gguf
    reader = gguf.GGUFReader(path)
    names = {"STRING": "string", "UINT32": "uint32", "FLOAT32": "float32"}
    for key, _, expected in METADATA:
        field = reader.fields.get(key)
        actual = names.get(gguf.GGUFValueType(field.types[0]).name) if field else None
        print(f"{key:45} {expected:8} {'ok' if actual == expected else f'MISMATCH (file: {actual})'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-types", metavar="GGUF", help="compare metadata types with a real file")
    args = parser.parse_args()
    if args.check_types:
        check_types(args.check_types)

    rng = np.random.default_rng(SEED)
    weights = make_weights(rng)
    tokens = rng.integers(0, VOCAB, size=N_TOKENS)

    stats = {}
    logits = forward(weights, tokens, stats=stats)
    cpu_logits = forward(weights, tokens, gelu=gelu_ggml_cpu, half_kv=True)
    # Causality: every prefix must give the same logits (what the KV-cache path relies on).
    for t in (1, WINDOW, WINDOW + 1, N_TOKENS - 1):
        assert np.allclose(forward(weights, tokens[:t]), logits[:t], rtol=0, atol=1e-12)

    description = (
        "Tiny random-weight Gemma 3 (vocab 48, dim 32, 6 layers: 0-4 sliding with window 4 and "
        "rope base 1e4, 5 global with rope base 1e6; 4 query heads, 1 KV head, head_dim 16, ffn 64). "
        f"Made by scripts/gemma3_reference.py (numpy {np.__version__}, seed {SEED}): float32 weights, "
        "float64 forward following llama.cpp's gemma3 graph (see the script's docstring), exact tanh "
        "GELU. logits[t] follow tokens[0...t]. llama_cpp_cpu_logits: the same with llama.cpp's CPU "
        "arithmetic where it differs by more than float rounding: ggml-cpu's fp16 GELU table and the "
        "F16 KV cache (what Tern computes)."
    )
    text = render(weights, tokens, logits, cpu_logits, description)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)

    print(f"wrote {OUT} ({len(text.encode())} bytes)")
    print(f"tokens {tokens.tolist()}")
    print(f"logits range [{logits.min():.3f}, {logits.max():.3f}], std {logits.std():.3f}")
    print(f"max |logits - llama_cpp_cpu_logits| = {np.abs(logits - cpu_logits).max():.3g}")
    top = np.array(stats["top_weight"])
    print(f"largest attention weight per query (>1 key visible): mean {top.mean():.2f}, max {top.max():.2f}; "
          f"max |gate| {stats['max_gate']:.2f}")


if __name__ == "__main__":
    main()
