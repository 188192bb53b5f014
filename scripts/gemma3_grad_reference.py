#!/usr/bin/env python3
"""Golden loss and gradients for Tern's Gemma 3 training pass, from Hugging Face transformers.

Builds a tiny random Gemma 3 (Gemma3ForCausalLM: vocab 48, hidden 32, 6 layers so layer 5 is
global, 4 query heads sharing 2 KV heads of width 16, FFN 64, sliding window 4, tied embeddings),
runs one sequence of 12 tokens through it in float64 with the loss on a few of its tokens, and
writes the weights (float32, Hugging Face names), the gradient of every weight and the loss to
Tests/TernTrainingTests/Fixtures/gemma3-grads.safetensors. Gemma3TrainingTests converts the weights
to GGUF as llama.cpp's convert_hf_to_gguf.py does (norm weights + 1, names mapped), trains on the
same tokens with Tern and compares loss and gradients.

Deterministic (fixed seed, no network). Needs torch, transformers and safetensors, outside the
repository's tests:

    python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch transformers safetensors
    /tmp/torch/bin/python scripts/gemma3_grad_reference.py
"""
import json
import os

import torch
from safetensors.torch import save_file
from transformers import Gemma3ForCausalLM, Gemma3TextConfig

torch.manual_seed(0)
config = Gemma3TextConfig(
    vocab_size=48, hidden_size=32, intermediate_size=64, num_hidden_layers=6, num_attention_heads=4,
    num_key_value_heads=2, head_dim=16, query_pre_attn_scalar=16, sliding_window=4,
    max_position_embeddings=64, rms_norm_eps=1e-6, attn_implementation="eager",
    rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                     "full_attention": {"rope_type": "default", "rope_theta": 1000000.0}},
)
assert config.layer_types[5] == "full_attention" and config.layer_types[4] == "sliding_attention"
model = Gemma3ForCausalLM(config)
with torch.no_grad():
    for name, p in model.named_parameters():
        # Larger than the default init so every path carries signal; norms are (1 + w) in Gemma.
        p.copy_((torch.rand_like(p) * 2 - 1) * (0.3 if "norm" in name else 0.5 if "embed" in name else 0.3))
weights = {name: p.detach().clone().float().contiguous() for name, p in model.named_parameters()}
model = model.double()
model.train()

tokens = [5, 17, 3, 3, 40, 22, 9, 31, 33, 12, 47, 8]  # no 0: it is Gemma's pad id, whose embedding row HF never updates
labels = [-100, -100, -100, 3, 40, 22, -100, 31, 33, 12, 47, 8]  # HF shifts: label t is the target after token t - 1
ids = torch.tensor([tokens])
out = model(input_ids=ids, labels=torch.tensor([labels]))
out.loss.backward()

tensors = dict(weights)
for name, p in model.named_parameters():
    tensors["grad." + name] = p.grad.detach().float().contiguous()
metadata = {"loss": repr(float(out.loss)), "tokens": json.dumps(tokens), "labels": json.dumps(labels),
            "note": "written by scripts/gemma3_grad_reference.py"}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "TernTrainingTests", "Fixtures", "gemma3-grads.safetensors")
save_file(tensors, path, metadata=metadata)
print("loss", float(out.loss), "tensors", len(tensors), "->", os.path.normpath(path))
