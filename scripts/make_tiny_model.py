#!/usr/bin/env python3
"""Builds a small random-weight model of one architecture family, as llama.cpp would get it.

    scripts/make_tiny_model.py --arch NAME --seed S [--dims H,I,L,HEADS,KV] [--vocab V]
        [--tokenizer PRE] [--experts E,K] [--ssm-state N] [--llama-cpp DIR] --out DIR

1. A byte-level BPE tokenizer is trained on the spot with the `tokenizers` package (on the GPL-3
   text in Tests/TernEngineTests/Fixtures plus a few lines in other scripts, so the merges cover
   Latin, Cyrillic, CJK, digits and code).
2. A Hugging Face transformers model of the family is made from a config (offline) and its weights
   are drawn from a seeded normal distribution wide enough that next-token distributions are
   peaked (near-uniform logits would make greedy comparisons meaningless). Saved to DIR/hf.
3. llama.cpp's convert_hf_to_gguf.py (from DIR, a llama.cpp source tree with built tools; default
   $LLAMA_CPP_DIR) writes DIR/model.gguf in F32. The converter recognises pre-tokenizers by
   hashing how a tokenizer splits a fixed text; a freshly trained vocabulary matches no known hash,
   so the family's pre-tokenizer name is given explicitly (--tokenizer overrides it).
4. llama-quantize writes DIR/model-Q8_0.gguf and DIR/model-Q4_K_M.gguf (for bitnet, whose weights
   are made ternary first, also DIR/model-TQ2_0.gguf and DIR/model-TQ1_0.gguf).

Needs torch, transformers, tokenizers, safetensors and numpy (not Tern's test environment: the
tests read the files this script made, committed under Tests/TernModelsTests/Fixtures/zoo).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Per family: the transformers config class, its keyword arguments for the dimensions
# (hidden, intermediate, layers, heads, kv heads), the pre-tokenizer llama.cpp should use, the
# special tokens, and a chat template in the family's format.
LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
    "{{ m['content'] | trim }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}")
CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")

FAMILIES = {
    "llama": dict(
        config="LlamaConfig", pre="llama-bpe",
        specials=["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
        bos="<|begin_of_text|>", eos="<|end_of_text|>", template=LLAMA3_TEMPLATE,
        extra=dict(rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=False,
                   rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                                     high_freq_factor=4.0, original_max_position_embeddings=64))),
    "qwen2": dict(
        config="Qwen2Config", pre="qwen2",
        specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        bos=None, eos="<|im_end|>", template=CHATML_TEMPLATE,
        extra=dict(rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True)),
    "qwen3": dict(
        config="Qwen3Config", pre="qwen2",
        specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        bos=None, eos="<|im_end|>", template=CHATML_TEMPLATE,
        extra=dict(rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=True)),
    "qwen2moe": dict(
        config="Qwen2MoeConfig", pre="qwen2",
        specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        bos=None, eos="<|im_end|>", template=CHATML_TEMPLATE,
        extra=dict(rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=False, num_experts=8, num_experts_per_tok=2,
                   norm_topk_prob=False, decoder_sparse_step=1, mlp_only_layers=[])),
    "qwen3moe": dict(
        config="Qwen3MoeConfig", pre="qwen2",
        specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        bos=None, eos="<|im_end|>", template=CHATML_TEMPLATE,
        extra=dict(rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=False, num_experts=8, num_experts_per_tok=2,
                   norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[])),
    "deepseek2": dict(
        config="DeepseekV2Config", pre="deepseek-llm",
        specials=["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"],
        bos="<｜begin▁of▁sentence｜>", eos="<｜end▁of▁sentence｜>", template=None,
        # transformers' V2 ignores norm_topk_prob and scores groups differently from llama.cpp:
        # greedy top-k without groups is where the two agree (docs/zoo-research.md)
        extra=dict(rms_norm_eps=1e-6, tie_word_embeddings=False, n_routed_experts=4, num_experts_per_tok=2,
                   n_shared_experts=1, first_k_dense_replace=1, routed_scaling_factor=1.5, topk_method="greedy",
                   n_group=None, topk_group=None, norm_topk_prob=False)),
    "mamba2": dict(
        config="Mamba2Config", pre="gpt-2",
        specials=["<|endoftext|>"], bos="<|endoftext|>", eos="<|endoftext|>", template=None,
        # chunk_size 8 so transformers' prefill crosses chunk boundaries (its SSD chunked scan)
        extra=dict(layer_norm_epsilon=1e-5, use_bias=False, use_conv_bias=True, conv_kernel=4, state_size=16,
                   expand=2, chunk_size=8, tie_word_embeddings=False)),
    "bitnet": dict(
        # SentencePiece (llama.cpp's BitNet converter reads tokenizer.model); SiLU as llama.cpp
        # hard-codes it; tied output, as llama.cpp loads no output.weight
        config="BitNetConfig", pre="default", specials=["<unk>", "<s>", "</s>"], bos="<s>", eos="</s>", template=None,
        extra=dict(hidden_act="silu", tie_word_embeddings=True, rms_norm_eps=1e-5, rope_theta=500000.0)),
    "falcon": dict(
        config="FalconConfig", pre="falcon",
        specials=["<|endoftext|>"], bos="<|endoftext|>", eos="<|endoftext|>", template=None,
        extra=dict(multi_query=True, parallel_attn=True, new_decoder_architecture=False, bias=False, alibi=False,
                   layer_norm_epsilon=1e-5, rope_theta=10000.0)),
    "bloom": dict(
        config="BloomConfig", pre="bloom",
        specials=["<unk>", "<s>", "</s>", "<pad>"], bos="<s>", eos="</s>", template=None,
        extra=dict(layer_norm_epsilon=1e-5)),
    "gpt2": dict(
        config="GPT2Config", pre="gpt-2",
        specials=["<|endoftext|>"], bos="<|endoftext|>", eos="<|endoftext|>", template=None,
        extra=dict()),
}

# The HF pre-tokenizer regexes used only to train the vocabulary (llama.cpp splits by the GGUF's
# tokenizer.ggml.pre, which is what the tests check).
GPT2_SPLIT = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

EXTRA_TEXT = """
Привет, мир! Это короткий текст на русском языке, чтобы в словаре были кириллические слова.
我想在苹果公司工作。今天天气很好，我们去公园散步吧。机器学习和语言模型。
日本語のテキストも少し入れておきます。こんにちは、世界。
def forward(self, x):\n    return self.proj(torch.relu(x)) + x  # residual
for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }
let tokens = tokenizer.encode("Hello, world!", addSpecial: true)
3.14159 2718 1234567890 2026-12-04 $1,299.99 100% 0x1F600
Emoji: 🚀 🦙🦙 😶‍🌫️ ✅ — and “quotes” ‘like’ these… done.
"""


def corpus() -> list[str]:
    text = (ROOT / "Tests/TernEngineTests/Fixtures/GPL-3.txt").read_text(encoding="utf-8")
    lines = [l for l in (text + EXTRA_TEXT).split("\n") if l.strip()]
    return lines


def train_tokenizer(family: dict, vocab: int, out: Path):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    split = GPT2_SPLIT if family["pre"] == "gpt-2" else LLAMA3_SPLIT
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(split), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=family["specials"], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus(), trainer)
    kwargs = dict(tokenizer_object=tok, eos_token=family["eos"])
    if family["bos"]:
        kwargs["bos_token"] = family["bos"]
    fast = PreTrainedTokenizerFast(**kwargs)
    if family["template"]:
        fast.chat_template = family["template"]
    fast.save_pretrained(out)
    return fast


class SentencePieceVocab:
    """The few tokenizer calls the script makes, over a SentencePiece model."""
    def __init__(self, path: Path):
        import sentencepiece
        self.sp = sentencepiece.SentencePieceProcessor(model_file=str(path))

    def __len__(self):
        return self.sp.get_piece_size()

    def convert_tokens_to_ids(self, piece):
        return self.sp.piece_to_id(piece)


def train_sentencepiece(vocab: int, out: Path):
    """A byte-fallback BPE SentencePiece model (unk 0, <s> 1, </s> 2) in out/tokenizer.model."""
    import sentencepiece
    text = out / "corpus.txt"
    text.write_text("\n".join(corpus()) + "\n", encoding="utf-8")
    sentencepiece.SentencePieceTrainer.train(input=str(text), model_prefix=str(out / "tokenizer"), vocab_size=vocab,
                                             model_type="bpe", byte_fallback=True, character_coverage=0.99,
                                             num_threads=1, minloglevel=2)
    text.unlink()
    (out / "tokenizer.vocab").unlink()
    return SentencePieceVocab(out / "tokenizer.model")


def ternarize(model):
    """BitNet b1.58's weights: each projection matrix as sign(W) or 0 times mean|W| (the scheme of
    llama.cpp's converter, which is then told to leave them as they are), so transformers and the
    GGUF hold the same ternary weights."""
    import torch
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2 and any(k in name for k in ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")):
                scale = p.abs().mean().clamp(min=1e-5)
                p.copy_((p / scale).round().clamp(-1, 1) * scale)


def renamed_bitnet_copy(hf: Path, out: Path) -> Path:
    """transformers names BitNet's sub-norms attn_sub_norm / ffn_sub_norm; llama.cpp's converter
    knows the original names (inner_attn_ln, ffn_layernorm). A copy of DIR/hf with those names, for
    the converter (DIR/hf itself stays loadable by transformers)."""
    from safetensors.torch import load_file, save_file
    copy = out / "hf-convert"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(hf, copy)
    path = copy / "model.safetensors"
    tensors = load_file(str(path))
    renamed = {k.replace("self_attn.attn_sub_norm", "self_attn.inner_attn_ln").replace("mlp.ffn_sub_norm", "mlp.ffn_layernorm"): v
               for k, v in tensors.items()}
    save_file(renamed, str(path), metadata={"format": "pt"})
    return copy


def make_config(arch: str, family: dict, dims: list[int], vocab_size: int, tok):
    import transformers
    hidden, inter, layers, heads, kv = dims
    cls = getattr(transformers, family["config"])
    ids = dict(bos_token_id=tok.convert_tokens_to_ids(family["bos"] or family["eos"]),
               eos_token_id=tok.convert_tokens_to_ids(family["eos"]))
    if arch == "gpt2":
        # (llama.cpp reads GPT-2's feed-forward width as 4 × hidden, whatever n_inner says)
        return cls(vocab_size=vocab_size, n_embd=hidden, n_inner=4 * hidden, n_layer=layers, n_head=heads,
                   n_positions=256, n_ctx=256, **ids, **family["extra"])
    if arch == "bloom":
        # (llama.cpp reads BLOOM's feed-forward width as 4 × hidden)
        return cls(vocab_size=vocab_size, hidden_size=hidden, n_layer=layers, n_head=heads, seq_length=256,
                   **ids, **family["extra"])
    if arch == "falcon":
        # (llama.cpp reads Falcon's feed-forward width as 4 × hidden and its context as 2048)
        return cls(vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                   num_kv_heads=1, ffn_hidden_size=4 * hidden, max_position_embeddings=2048, **ids, **family["extra"])
    if arch == "mamba2":
        # dims: hidden, (unused), layers, SSM heads, groups; inner width 2 × hidden. The converter
        # pads the token list to a multiple of 16 and llama.cpp expects that many embedding rows
        # (docs/zoo-research.md), so the model gets the padded size.
        return cls(vocab_size=(vocab_size + 15) // 16 * 16, hidden_size=hidden, num_hidden_layers=layers, num_heads=heads,
                   head_dim=2 * hidden // heads, n_groups=kv, **ids, **family["extra"])
    if arch == "deepseek2":
        # multi-head latent attention: queries through a rank-3H/4 bottleneck, keys and values
        # through a rank-H/2 latent; per head 16 dims without RoPE, 8 with, 16 of value (from a
        # hidden size of 512 up, DeepSeek-V2's 128, 64 and 128)
        big = hidden >= 512
        return cls(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
                   num_attention_heads=heads, num_key_value_heads=heads, q_lora_rank=3 * hidden // 4,
                   kv_lora_rank=hidden // 2, qk_nope_head_dim=128 if big else 16, qk_rope_head_dim=64 if big else 8,
                   v_head_dim=128 if big else 16,
                   moe_intermediate_size=inter // 4, max_position_embeddings=256, **ids, **family["extra"])
    kw = dict(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
              num_attention_heads=heads, num_key_value_heads=kv, max_position_embeddings=256, **ids)
    if arch in ("qwen3", "qwen3moe"):
        kw["head_dim"] = hidden // heads
    if arch in ("qwen2moe", "qwen3moe"):
        # experts a quarter of the dense width, the shared expert (Qwen2-MoE) half of it
        kw["moe_intermediate_size"] = inter // 4
        if arch == "qwen2moe":
            kw["shared_expert_intermediate_size"] = inter // 2
    if arch in ("qwen2", "qwen2moe"):
        kw["use_sliding_window"] = False
    kw.update(family["extra"])
    return cls(**kw)


def randomize(model, seed: int):
    """Seeded normal weights. Matrices N(0, 1/fan_in) keep every activation of order one, so the
    forward pass is well conditioned (rounding differences between implementations stay small);
    the embedding and output head N(0, 0.5²) make the logits spread over several nats (logit std
    ≈ 0.5·√dim), so next-token distributions are peaked. Norm weights 1 + N(0, 0.1²), biases
    N(0, 0.1²)."""
    import torch
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if p.dim() == 1 and ("norm" in name or "ln_" in name) and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif "lm_head" in name or "embed" in name or name.endswith("wte.weight"):
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[0] if "c_" in name and name.startswith("transformer.h") else p.shape[-1]  # GPT-2's Conv1D is (in, out)
                p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)


def convert(llama_cpp: Path, hf: Path, out: Path, pre: str, vocab_only: bool = False):
    """convert_hf_to_gguf.py in this process, with the pre-tokenizer named instead of hashed (and
    BitNet's weights, already ternary, left as they are)."""
    sys.path.insert(0, str(llama_cpp))
    sys.path.insert(1, str(llama_cpp / "gguf-py"))
    import conversion.base as base
    base.TextModel.get_vocab_base_pre = lambda self, tokenizer: pre
    import conversion.bitnet as bitnet
    bitnet.BitnetModel.weight_quant = lambda self, weight: weight
    import convert_hf_to_gguf
    sys.argv = ["convert_hf_to_gguf.py", str(hf), "--outtype", "f32", "--outfile", str(out)] + (["--vocab-only"] if vocab_only else [])
    convert_hf_to_gguf.main()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", required=True, choices=sorted(FAMILIES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dims", default="64,128,2,4,2", help="hidden,intermediate,layers,heads,kv_heads")
    ap.add_argument("--vocab", type=int, default=512, help="BPE vocabulary size (with special tokens)")
    ap.add_argument("--tokenizer", help="llama.cpp pre-tokenizer name (default: the family's)")
    ap.add_argument("--experts", help="E,K for the MoE families: E experts, K used per token (default: the family's)")
    ap.add_argument("--ssm-state", type=int, help="mamba2's state size N (default 16)")
    ap.add_argument("--llama-cpp", default=os.environ.get("LLAMA_CPP_DIR"),
                    help="llama.cpp source tree with built tools in build/bin (default $LLAMA_CPP_DIR)")
    ap.add_argument("--bin", help="where llama-quantize is (default: LLAMA_CPP/build/bin)")
    ap.add_argument("--vocab-only", action="store_true", help="write only DIR/vocab.gguf: the tokenizer, no weights")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if not args.llama_cpp:
        sys.exit("make_tiny_model.py: give --llama-cpp DIR (a llama.cpp source tree with built tools) or set LLAMA_CPP_DIR")
    llama_cpp = Path(args.llama_cpp)
    quantize = Path(args.bin or llama_cpp / "build/bin") / "llama-quantize"
    if not (llama_cpp / "convert_hf_to_gguf.py").exists():
        sys.exit(f"make_tiny_model.py: {llama_cpp} has no convert_hf_to_gguf.py: give a llama.cpp source tree")
    if not quantize.exists():
        sys.exit(f"make_tiny_model.py: {quantize} does not exist: build llama-quantize (scripts/llama-cpp-build.sh llama-quantize) or give --bin")

    import torch
    import transformers
    torch.manual_seed(args.seed)
    family = dict(FAMILIES[args.arch])
    if args.tokenizer:
        family["pre"] = args.tokenizer
    if args.experts:
        experts, used = (int(x) for x in args.experts.split(","))
        key = "n_routed_experts" if args.arch == "deepseek2" else "num_experts"
        if key not in family["extra"]:
            sys.exit(f"make_tiny_model.py: --experts is for the MoE families, not {args.arch}")
        family["extra"] = dict(family["extra"], **{key: experts, "num_experts_per_tok": used})
    if args.ssm_state:
        if args.arch != "mamba2":
            sys.exit(f"make_tiny_model.py: --ssm-state is for mamba2, not {args.arch}")
        family["extra"] = dict(family["extra"], state_size=args.ssm_state)
    dims = [int(x) for x in args.dims.split(",")]
    out = Path(args.out)
    hf = out / "hf"
    if hf.exists():
        shutil.rmtree(hf)
    hf.mkdir(parents=True)

    tok = train_sentencepiece(args.vocab, hf) if args.arch == "bitnet" else train_tokenizer(family, args.vocab, hf)
    config = make_config(args.arch, family, dims, len(tok), tok)
    model = transformers.AutoModelForCausalLM.from_config(config, torch_dtype=torch.float32)
    randomize(model, args.seed)
    if args.arch == "bitnet":
        ternarize(model)
    model.save_pretrained(hf, safe_serialization=True)
    source = renamed_bitnet_copy(hf, out) if args.arch == "bitnet" else hf
    (out / "recipe.json").write_text(json.dumps(dict(arch=args.arch, seed=args.seed, dims=dims, vocab=len(tok),
                                                     tokenizer=family["pre"], experts=args.experts, ssm_state=args.ssm_state), indent=1) + "\n")

    if args.vocab_only:
        convert(llama_cpp, source, out / "vocab.gguf", family["pre"], vocab_only=True)
        print(f"wrote {out}/vocab.gguf ({family['pre']} pre-tokenizer, {len(tok)} tokens)")
        return
    gguf_path = out / "model.gguf"
    convert(llama_cpp, source, gguf_path, family["pre"])
    for q in ["Q8_0", "Q4_K_M"] + (["TQ2_0", "TQ1_0"] if args.arch == "bitnet" else []):
        subprocess.run([str(quantize), str(gguf_path), str(out / f"model-{q}.gguf"), q], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"wrote {out}/model.gguf, model-Q8_0.gguf, model-Q4_K_M.gguf ({args.arch}, seed {args.seed})")


if __name__ == "__main__":
    main()
