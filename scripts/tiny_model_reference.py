#!/usr/bin/env python3
"""Records what transformers and llama.cpp compute for a tiny model made by make_tiny_model.py.

    scripts/tiny_model_reference.py --lib DIR MODEL_DIR --out FIXTURE_DIR

FIXTURE_DIR gets model.gguf, model-Q8_0.gguf and model-Q4_K_M.gguf (and bitnet's model-TQ2_0.gguf,
model-TQ1_0.gguf) copied from MODEL_DIR, and
reference.json with:
- "tokens": a prompt's ids (llama.cpp's tokenizer, BOS as the file asks);
- "logits": transformers' float32 logits at every prompt position (the HF model in MODEL_DIR/hf);
- "greedy": for each GGUF, llama.cpp's 32-token greedy continuation of the prompt with the top-5
  (id, logprob) at every step (the prompt's last position first).

llama.cpp runs through the llama-cpp-python bindings (the `llama_cpp` package of the
llama-cpp-python source distribution on PYTHONPATH) over the libllama.so in --lib.
"""
import argparse
import json
import os
import shutil
from pathlib import Path

import numpy as np

PROMPT = "The license is free software, and you can"
STEPS = 32
# llama.cpp without flash attention: its flash-attention kernel rounds queries to half precision and
# sums the values in half precision, which Tern does not (it keeps both in float, as the
# non-flash path of llama.cpp mostly does).
FLASH_ATTN = False


def log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


def greedy(llama_cpp, path: Path, tokens):
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=128, n_batch=128, n_threads=2, logits_all=True, verbose=False,
                          flash_attn=FLASH_ATTN)
    llm.reset()
    llm.eval(tokens)
    steps = []
    for _ in range(STEPS):
        lp = log_softmax(llm.scores[llm.n_tokens - 1])
        top = np.argsort(-lp, kind="stable")[:5]
        steps.append([[int(i), float(lp[i])] for i in top])
        llm.eval([int(top[0])])
    return steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", required=True, help="directory with llama.cpp's libllama.so")
    ap.add_argument("model_dir")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.environ["LLAMA_CPP_LIB_PATH"] = args.lib
    import llama_cpp
    import torch
    import transformers

    src, out = Path(args.model_dir), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = ["model.gguf", "model-Q8_0.gguf", "model-Q4_K_M.gguf"]
    files += [f for f in ("model-TQ2_0.gguf", "model-TQ1_0.gguf") if (src / f).exists()]  # bitnet
    for f in files + ["recipe.json"]:
        shutil.copyfile(src / f, out / f)

    vocab = llama_cpp.Llama(model_path=str(src / "model.gguf"), vocab_only=True, verbose=False)
    tokens = vocab.tokenize(PROMPT.encode(), add_bos=True, special=False)

    model = transformers.AutoModelForCausalLM.from_pretrained(src / "hf", torch_dtype=torch.float32)
    model.eval()
    if model.config.model_type == "falcon":
        # llama.cpp runs Falcon's MLP with the tanh form of GELU (ggml_gelu); transformers with the
        # exact erf form. The reference follows llama.cpp, so that the rest is compared exactly.
        for layer in model.transformer.h:
            layer.mlp.act = torch.nn.GELU(approximate="tanh")
    with torch.no_grad():
        logits = model(torch.tensor([tokens])).logits[0].numpy()

    reference = {
        "prompt": PROMPT,
        "tokens": tokens,
        "logits": [[round(float(v), 6) for v in row] for row in logits],
        "greedy": {f: greedy(llama_cpp, src / f, tokens) for f in files},
    }
    (out / "reference.json").write_text(json.dumps(reference) + "\n")
    print(f"wrote {out}/reference.json ({len(tokens)} prompt tokens)")


if __name__ == "__main__":
    main()
