#!/usr/bin/env python3
"""The PyTorch side of scripts/train-vs-pytorch.sh: the same fine-tuning steps as
`tern train sft` on the same model, data, sequence length, batch and LoRA configuration, with
Hugging Face transformers + peft, timed the same way.

The model is the GGUF Tern trains, loaded by transformers (`gguf_file=`), which dequantizes every
weight to float32. The data is the JSONL `{"prompt": "", "completion": text}` lines the shell script
writes: each text is tokenized with the GGUF's tokenizer (BOS first), cut to --ctx tokens, and the
loss is on every token but the first, as in Tern's run on the same file. Each step takes
--batch-tokens / --ctx sequences (one forward and backward pass per sequence, gradients
accumulated, then AdamW), like Tern's micro-batches of one packed sequence.

Prints one JSON line: tokens/s over the steps after the first (the first pays for allocation),
the loss per step, and the process's peak RSS in bytes.

    python scripts/train_pytorch.py --gguf MODEL.gguf --data bench.jsonl --ctx 256 --batch-tokens 1024 \
        --steps 4 --threads 2 [--lora-rank 16 --lora-alpha 32 | --full]
"""
import argparse
import json
import os
import resource
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--batch-tokens", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lora-rank", type=int, default=16)
    ap.add_argument("--lora-alpha", type=float, default=32)
    ap.add_argument("--lora-dropout", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--full", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = os.path.split(os.path.abspath(a.gguf))
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32,
                                                 attn_implementation="eager")
    if not a.full:
        from peft import LoraConfig, get_peft_model
        cfg = LoraConfig(r=a.lora_rank, lora_alpha=a.lora_alpha, lora_dropout=a.lora_dropout, task_type="CAUSAL_LM",
                         target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        model = get_peft_model(model, cfg)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)

    sequences = []
    for line in open(a.data):
        text = json.loads(line)["completion"]
        ids = tok(text, add_special_tokens=False)["input_ids"]
        sequences.append(([tok.bos_token_id] + ids)[: a.ctx])
    per_step = max(1, a.batch_tokens // a.ctx)
    losses, times, tokens = [], [], []
    for step in range(a.steps):
        batch = [sequences[(step * per_step + i) % len(sequences)] for i in range(per_step)]
        n = sum(len(s) for s in batch)
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for s in batch:
            x = torch.tensor([s])
            out = model(input_ids=x, labels=x)
            (out.loss * (len(s) - 1) / (n - len(batch))).backward()  # mean over the step's targets
            total += out.loss.item() * (len(s) - 1)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        times.append(time.perf_counter() - start)
        tokens.append(n)
        losses.append(total / (n - len(batch)))
    later = slice(1, None) if a.steps > 1 else slice(0, None)
    rate = sum(tokens[later]) / sum(times[later])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"tokens_per_second": rate, "losses": losses, "peak_rss": peak, "mode": "full" if a.full else "lora",
                      "trained": sum(p.numel() for p in params), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
