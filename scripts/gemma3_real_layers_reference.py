#!/usr/bin/env python3
"""Golden LoRA loss and gradients on the first six layers of the real default model, from
Hugging Face transformers.

Loads the Gemma 3 270M Q4_K_M GGUF with transformers (`gguf_file=`: every weight dequantized by
gguf-py, norms converted back to Hugging Face's convention), keeps its first six layers (five
sliding-window layers and the global layer 5) and the tied embedding, adds LoRA of rank 2 (alpha
4, no dropout) to q, k, v, o, gate, up and down with seeded random A and B, runs one sequence of
24 tokens in float64 with the loss summed over its last 12 tokens, and writes A, B, their
gradients and the loss to Tests/TernTrainingTests/Fixtures/gemma3-real-lora.safetensors, keyed by
llama.cpp's adapter names ("blk.0.attn_q.weight.lora_a", and "grad." before each). Gemma3TrainingTests
cuts the same six layers out of the same GGUF, trains the same adapter on the quantized weights
with Tern (float forward) and compares.

Needs torch, transformers, gguf and safetensors, outside the repository's tests:

    /path/to/venv/bin/python scripts/gemma3_real_layers_reference.py ~/.cache/tern/models/gemma-3-270m-q4_k_m.gguf
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

LAYERS, RANK, ALPHA = 6, 2, 4.0
gguf = os.path.abspath(sys.argv[1])
folder, name = os.path.split(gguf)
model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32, attn_implementation="eager")
model.model.layers = model.model.layers[:LAYERS]
model.config.num_hidden_layers = LAYERS
model.config.layer_types = model.config.layer_types[:LAYERS]
assert model.config.layer_types[5] == "full_attention" and model.config.layer_types[4] == "sliding_attention"
model = model.double()
for p in model.parameters():
    p.requires_grad_(False)

targets = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
           "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
g = torch.Generator().manual_seed(0)
adapters = {}  # GGUF weight name -> (A (r, in), B (out, r))
for l, layer in enumerate(model.model.layers):
    for gguf_name, path in targets.items():
        module = layer.get_submodule(path)
        a = (torch.randn(RANK, module.in_features, generator=g, dtype=torch.float64) * 0.05).float().double().requires_grad_()
        b = (torch.randn(module.out_features, RANK, generator=g, dtype=torch.float64) * 0.05).float().double().requires_grad_()
        adapters[f"blk.{l}.{gguf_name}.weight"] = (a, b)
        # y = W x + (alpha / r) B A x, as PEFT and llama.cpp compute it.
        module.register_forward_hook(lambda m, inputs, out, a=a, b=b: out + (ALPHA / RANK) * (inputs[0] @ a.T @ b.T))

tokens = [2, 818, 5279, 529, 7001, 563, 9079, 236761, 107, 818, 11613, 563, 1433, 532, 1041, 3853, 4861, 236764, 506, 1902, 563,
          1450, 496, 2268]
ids = torch.tensor([tokens])
logits = model(input_ids=ids).logits[0]  # (T, V)
# The loss on the last 12 tokens: position t predicts token t + 1.
first = len(tokens) - 13
loss = torch.nn.functional.cross_entropy(logits[first:-1], ids[0, first + 1:], reduction="sum")
loss.backward()

tensors = {}
for weight, (a, b) in adapters.items():
    tensors[weight + ".lora_a"] = a.detach().float().contiguous()
    tensors[weight + ".lora_b"] = b.detach().float().contiguous()
    tensors["grad." + weight + ".lora_a"] = a.grad.float().contiguous()
    tensors["grad." + weight + ".lora_b"] = b.grad.float().contiguous()
metadata = {"loss": repr(loss.item()), "tokens": json.dumps(tokens), "first_target": str(first + 1), "layers": str(LAYERS),
            "rank": str(RANK), "alpha": str(ALPHA), "note": "written by scripts/gemma3_real_layers_reference.py"}
out = os.path.join(os.path.dirname(__file__), "..", "Tests", "TernTrainingTests", "Fixtures", "gemma3-real-lora.safetensors")
save_file(tensors, out, metadata=metadata)
print("loss", float(loss), "tensors", len(tensors), "->", os.path.normpath(out))
