#!/usr/bin/env python3
"""Golden values for Tern's AdamW, gradient clipping and learning-rate schedule, from PyTorch.

Runs torch.optim.AdamW on two small parameters for six steps with fixed gradients, clipping
with torch.nn.utils.clip_grad_norm_ and rates from transformers' cosine-with-warm-up formula
(written out here so only torch is needed), and writes every input and the weights after each
step to Tests/TernTrainingTests/Fixtures/adamw.json. Deterministic (fixed seed, no network).

    python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch
    /tmp/torch/bin/python scripts/adamw_reference.py
"""
import json
import math
import os

import torch

torch.manual_seed(0)
shapes = [(3, 4), (5,)]
params = [torch.nn.Parameter(torch.randn(*s)) for s in shapes]
initial = [p.detach().clone().flatten().tolist() for p in params]
peak, warmup, total, min_rate, max_norm = 1e-2, 2, 6, 1e-3, 1.5


def rate(step):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_rate + (peak - min_rate) * 0.5 * (1 + math.cos(math.pi * progress))


opt = torch.optim.AdamW(params, lr=peak, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)
steps = []
for step in range(total):
    grads = [torch.randn(*s) * (3 if step == 1 else 0.5) for s in shapes]  # step 1 is clipped
    for p, g in zip(params, grads):
        p.grad = g.clone()
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    for group in opt.param_groups:
        group["lr"] = rate(step)
    opt.step()
    steps.append({
        "grads": [g.flatten().tolist() for g in grads],
        "norm": float(norm),
        "rate": rate(step),
        "weights": [p.detach().flatten().tolist() for p in params],
    })

out = {"shapes": shapes, "initial": initial, "peak": peak, "warmup": warmup, "total": total, "min_rate": min_rate,
       "max_norm": max_norm, "weight_decay": 0.05, "steps": steps}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "TernTrainingTests", "Fixtures", "adamw.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", os.path.normpath(path))
