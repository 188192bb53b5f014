#!/usr/bin/env python3
"""Tokenize texts with Google's SentencePiece, built from a GGUF vocabulary, to check Tern's tokenizer.

Gemma's tokenizer is a SentencePiece BPE model. This script rebuilds that model from the GGUF
file's tokenizer.ggml.* arrays (read with llama.cpp's gguf-py) and lets the `sentencepiece`
library itself tokenize, so TernTokenizersTests can compare against an implementation that shares
no code with Tern. llama.cpp's SPM tokenizer follows the same algorithm; its own answers for the
default model are in ../shared/reference (Fixtures/tokenizer.jsonl).

Two conversion details make SentencePiece agree with llama.cpp:
- llama.cpp's converter stores Gemma's user-defined whitespace tokens with real spaces ("   ")
  instead of "▁▁▁"; they are turned back into "▁" here, as in the original tokenizer.model.
- the normalizer is the identity, with no dummy prefix and no whitespace clean-up, as the GGUF
  says (tokenizer.ggml.add_space_prefix = false).
Texts are drawn so that they avoid the two places where llama.cpp knowingly differs: a literal
"▁" in the input (SentencePiece can join it with an escaped space into a user-defined token,
llama.cpp matches those tokens before escaping), and "</s>" (llama.cpp makes it a control token).

Needs: pip install gguf sentencepiece protobuf  (outside the repo's tests; run by hand).
Usage: python3 scripts/tokenizer_sentencepiece_reference.py [MODEL.gguf]
Writes Tests/TernTokenizersTests/Fixtures/sentencepiece.jsonl: one {"text", "ids"} object a
line, ids without BOS; the first line is {"file": "GPL-3.txt", "ids"} for the perplexity corpus
beside it, then 250 random texts.
"""
import json
import os
import random
import sys

from gguf import GGUFReader
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "TernTokenizersTests", "Fixtures")
USER_DEFINED = 4


def load_sentencepiece(path):
    reader = GGUFReader(path)
    field = lambda name: reader.fields[name].contents()
    assert field("tokenizer.ggml.model") == "llama"
    model = pb.ModelProto()
    model.trainer_spec.model_type = pb.TrainerSpec.BPE
    model.trainer_spec.vocab_size = len(field("tokenizer.ggml.tokens"))
    model.trainer_spec.byte_fallback = True
    model.trainer_spec.unk_id = field("tokenizer.ggml.unknown_token_id")
    model.trainer_spec.bos_id = field("tokenizer.ggml.bos_token_id")
    model.trainer_spec.eos_id = field("tokenizer.ggml.eos_token_id")
    model.trainer_spec.pad_id = field("tokenizer.ggml.padding_token_id")
    model.normalizer_spec.name = "identity"
    model.normalizer_spec.add_dummy_prefix = False
    model.normalizer_spec.remove_extra_whitespaces = False
    model.normalizer_spec.escape_whitespaces = True
    tokens = field("tokenizer.ggml.tokens")
    scores = field("tokenizer.ggml.scores")
    types = field("tokenizer.ggml.token_type")
    for text, score, kind in zip(tokens, scores, types):
        piece = model.pieces.add()
        # SentencePiece piece types use llama.cpp's token type numbers (it borrowed them).
        piece.piece = text.replace(" ", "\u2581") if kind == USER_DEFINED else text
        piece.score = score
        piece.type = kind
    processor = spm.SentencePieceProcessor()
    processor.LoadFromSerializedProto(model.SerializeToString())
    return processor


def random_texts(count):
    rng = random.Random(20250101)
    alphabet = (list("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,;:!?'\"()[]{}<>/\\-_=+*&^%$#@~`|")
                + list(" \t\n\r\u00a0") * 4 + list("éèàüößçñøåæÀÉÎÕÜ")
                + list("日本語のテキストです。中文字符한국어Ελληνικά Русский مرحبا שלום नमस्ते")
                + ["🦜", "🚀", "👩\u200d💻", "𝔘", "\u0001", "\u0007", "\ufeff", "\U0010FFFF", "\ue000"])
    words = ["the", " the", "ing", "tion", " of", "    ", "\n\n", "\t\t", "<b>", "</td>", "http://", "1234"]
    texts = []
    while len(texts) < count:
        length = rng.choice([1, 2, 3, 5, 8, 13, 30, 60, 120])
        text = "".join(rng.choice(alphabet) if rng.random() < 0.7 else rng.choice(words) for _ in range(length))
        if "\u2581" not in text and "</s>" not in text:
            texts.append(text)
    return texts


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/tern/models/gemma-3-270m-q4_k_m.gguf")
    processor = load_sentencepiece(path)
    with open(os.path.join(FIXTURES, "GPL-3.txt"), encoding="utf-8") as f:
        lines = [{"file": "GPL-3.txt", "ids": processor.encode(f.read())}]
    lines += [{"text": text, "ids": processor.encode(text)} for text in random_texts(250)]
    with open(os.path.join(FIXTURES, "sentencepiece.jsonl"), "w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"wrote {len(lines)} lines to {os.path.relpath(os.path.join(FIXTURES, 'sentencepiece.jsonl'), ROOT)}")


if __name__ == "__main__":
    main()
