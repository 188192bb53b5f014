#!/usr/bin/env python3
"""Forked sampling against naive repetition, through `tern serve` and the `openai` package: N
samples of one prompt as one request with n=N (the engine evaluates the prompt once and decodes
the N continuations as a batch) versus N requests with n=1 (one sequence at a time; since the prompt cache, each
repeat re-evaluates only the prompt's last token). Prints wall time and the usage the server reports.

    .build/release/tern serve --port 8093 --no-trace &
    python3 scripts/fork_speedup.py http://127.0.0.1:8093/v1 [N=8] [max_tokens=64]
"""
import sys, time
import openai

base = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 8
max_tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 64
client = openai.OpenAI(base_url=base, api_key="unused")
prompt = ("Problem: A farmer has 3 fields with 12 rows of 8 plants each, and sells a quarter of the plants. "
          "How many plants are left? Solve it step by step.\n\nStep 1:") * 4

def run(kind):
    t = time.time()
    if kind == "forked":
        r = client.completions.create(model="gemma3-270m", prompt=prompt, n=n, max_tokens=max_tokens, temperature=1.0, seed=1)
        usage = (r.usage.prompt_tokens, r.usage.completion_tokens)
    else:
        p = c = 0
        for i in range(n):
            r = client.completions.create(model="gemma3-270m", prompt=prompt, n=1, max_tokens=max_tokens, temperature=1.0, seed=1 + i)
            p += r.usage.prompt_tokens
            c += r.usage.completion_tokens
        usage = (p, c)
    return time.time() - t, usage

run("forked")  # warm up
for kind in ("naive", "forked", "naive", "forked"):
    seconds, (p, c) = run(kind)
    print(f"{kind:7s} n={n}: {seconds:6.2f} s, usage prompt tokens {p}, generated {c}, {c / seconds:6.1f} tok/s")
