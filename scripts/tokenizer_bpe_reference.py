#!/usr/bin/env python3
"""Records llama.cpp's byte-level BPE tokenization of a varied corpus, for Tern's parity tests.

    scripts/tokenizer_bpe_reference.py --lib DIR --out Tests/TernTokenizersTests/Fixtures/bpe VOCAB.gguf...

Each VOCAB.gguf is a vocabulary-only file from `scripts/make_tiny_model.py --vocab-only` (one per
pre-tokenizer); it is copied to OUT/<pre>.gguf, and OUT/reference.json gets, for every file and
every text below, llama.cpp's ids with (add_special, parse_special) = (true, false) and
(false, true), and its detokenization of the first with special tokens rendered.

llama.cpp runs through the llama-cpp-python bindings (the `llama_cpp` package of the
llama-cpp-python source distribution on PYTHONPATH) over the libllama.so in --lib.
"""
import argparse
import json
import os
import shutil
import sys
from pathlib import Path

CORPUS = [
    "Hello world",
    " Hello world",
    "Hello, world! How are you today?",
    "I've been told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL",
    "don't DON'T Don'T it's IT'S",
    "3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3",
    "Prices: $1,299.99 (was $1,499) -- 25% off! 2026-12-04T21:40:54Z",
    "0x1F600 1e-5 -42 +7 ½ ² ٣ ۴ १२",
    "def forward(self, x):\n    return self.proj(torch.relu(x)) + x  # residual\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i] * b[i];\n}\n",
    "    indented\n\n\n    code\t\twith\ttabs   \n",
    "trailing spaces   ",
    "   leading spaces",
    "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n",
    "line one\r\nline two\rline three\n",
    "Привет, мир! Это короткий текст.",
    "我想在apple工作1314151天～ 今天天气很好。",
    "日本語のテキスト、こんにちは世界。カタカナ",
    "한국어 텍스트입니다. 안녕하세요!",
    "Emoji: 🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙",
    "👨‍👩‍👧‍👦 family, 🇫🇷 flag, 👍🏽 thumbs",
    "കാന്തിക ക്ഷേത്രം कान्तिक ক্ষেত্র ปัญหา",
    "Ünïcödé àccents: café, naïve, façade, Ærøskøbing, ﬁne ligature",
    "------======= '''''''```````\"\"\"\"......!!!!!!??????",
    "<|endoftext|> looks special",
    "text <|im_start|>user\nhi<|im_end|> more",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>",
    "<|endoftext|><|endoftext|>",
    "a<|im_end|>b",
    "<| not special |> <|endoftext",
    "\u00a0non-breaking\u00a0space and\u2003em\u2003space and\u3000ideographic",
    "mixed123abc456DEF 7x8=56",
    "The GNU General Public License is a free, copyleft license for software and other kinds of works.",
    "x" * 40,
    "",
    " ",
    "\n",
    "?",
    "a b  c   d    e",
    "https://example.com/path?query=1&b=2#frag",
    "JSON: {\"name\": \"Tern\", \"n\": [1, 2, 3], \"ok\": true}",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", required=True, help="directory with llama.cpp's libllama.so")
    ap.add_argument("--out", required=True)
    ap.add_argument("vocabs", nargs="+")
    args = ap.parse_args()
    os.environ["LLAMA_CPP_LIB_PATH"] = args.lib
    import llama_cpp

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    reference = {"corpus": CORPUS, "vocabularies": {}}
    for path in args.vocabs:
        llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
        pre = llm.metadata.get("tokenizer.ggml.pre", "default")
        shutil.copyfile(path, out / f"{pre}.gguf")
        cases = []
        for text in CORPUS:
            b = text.encode("utf-8")
            plain = llm.tokenize(b, add_bos=True, special=False) if b else []
            special = llm.tokenize(b, add_bos=False, special=True) if b else []
            if b == b"":
                plain = llm.tokenize(b"", add_bos=True, special=False)
            text_back = llm.detokenize(plain, special=True).decode("utf-8", errors="replace")
            cases.append({"plain": plain, "special": special, "decoded": text_back})
        reference["vocabularies"][pre] = cases
        print(f"{pre}: {sum(len(c['plain']) for c in cases)} tokens over {len(CORPUS)} texts", file=sys.stderr)
    (out / "reference.json").write_text(json.dumps(reference, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
