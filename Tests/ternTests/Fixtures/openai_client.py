"""Drives `tern serve` with the official `openai` package, as a user's program would.

Usage: openai_client.py BASE_URL
Prints one JSON object with the prompts it sent; exits 1 with a message on the first failed check.
"""
import json
import sys

import urllib.error
import urllib.request

import openai

base = sys.argv[1]
client = openai.OpenAI(base_url=base, api_key="test-key")
sent = []


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


models = client.models.list()
check([m.id for m in models.data] == ["gemma3-270m"], f"models: {models}")

# Chat, greedy.
chat_prompt = "Name a primary color."
r = client.chat.completions.create(model="gemma3-270m", messages=[{"role": "user", "content": chat_prompt}],
                                   max_tokens=12, temperature=0)
sent.append(chat_prompt)
check(r.object == "chat.completion" and len(r.choices) == 1, f"chat shape: {r}")
check(r.choices[0].message.role == "assistant" and r.choices[0].message.content, f"chat message: {r}")
check(r.choices[0].finish_reason in ("stop", "length"), f"finish_reason: {r}")
check(r.usage.completion_tokens > 0 and r.usage.prompt_tokens > 0, f"usage: {r.usage}")

# Streaming gives the same greedy text, and usage in the final chunk.
stream = client.chat.completions.create(model="gemma3-270m", messages=[{"role": "user", "content": chat_prompt}],
                                        max_tokens=12, temperature=0, stream=True,
                                        stream_options={"include_usage": True})
text, usage, finished = "", None, None
for chunk in stream:
    if chunk.usage:
        usage = chunk.usage
    for c in chunk.choices:
        text += c.delta.content or ""
        finished = c.finish_reason or finished
check(text == r.choices[0].message.content, f"stream {text!r} != {r.choices[0].message.content!r}")
check(usage is not None and usage.completion_tokens == r.usage.completion_tokens, f"stream usage: {usage}")
check(finished == r.choices[0].finish_reason, f"stream finish: {finished}")

# Logprobs with top_logprobs=3: the chosen token is the most likely one (greedy).
r = client.chat.completions.create(model="gemma3-270m", messages=[{"role": "user", "content": "Say yes."}],
                                   max_tokens=4, temperature=0, logprobs=True, top_logprobs=3)
sent.append("Say yes.")
lp = r.choices[0].logprobs.content
check(len(lp) == r.usage.completion_tokens, f"one logprob per token: {lp}")
for t in lp:
    check(len(t.top_logprobs) == 3, f"three alternatives: {t}")
    check(t.top_logprobs[0].token == t.token and abs(t.top_logprobs[0].logprob - t.logprob) < 1e-9, f"greedy = top: {t}")
    check(t.logprob <= 0 and t.top_logprobs[0].logprob >= t.top_logprobs[1].logprob >= t.top_logprobs[2].logprob, f"order: {t}")

# n=2 with sampling: two choices.
r = client.chat.completions.create(model="gemma3-270m", messages=[{"role": "user", "content": "Tell a story."}],
                                   max_tokens=8, temperature=1.0, seed=7, n=2)
sent.append("Tell a story.")
check(len(r.choices) == 2 and [c.index for c in r.choices] == [0, 1], f"n=2: {r}")

# Raw completion: llama.cpp's greedy continuation of this prompt (shared/reference greedy.jsonl).
prompt = "Question: What is 12 + 30?\nAnswer:"
r = client.completions.create(model="gemma3-270m", prompt=prompt, max_tokens=8, temperature=0, logprobs=2)
sent.append(prompt)
check(r.choices[0].text == " 12 + 30 =", f"completion: {r.choices[0].text!r}")
check(len(r.choices[0].logprobs.tokens) == 8, f"completion logprobs: {r.choices[0].logprobs}")

# Structured output: the local engine enforces the schema by constrained decoding.
schema = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20},
          "country": {"type": "string", "enum": ["France", "Japan", "Peru"]}, "population": {"type": "integer", "minimum": 0}},
          "required": ["city", "country", "population"], "additionalProperties": False}
r = client.chat.completions.create(model="gemma3-270m", messages=[{"role": "user", "content": "Name a city, as JSON."}],
                                   max_tokens=60, temperature=1.0, seed=3,
                                   response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": True}})
sent.append("Name a city, as JSON.")
value = json.loads(r.choices[0].message.content)
check(sorted(value) == ["city", "country", "population"] and value["country"] in ("France", "Japan", "Peru")
      and isinstance(value["population"], int) and value["population"] >= 0 and len(value["city"]) <= 20, f"json_schema: {value}")

# Errors: malformed JSON and a bad field are 400s in OpenAI's shape.
try:
    urllib.request.urlopen(urllib.request.Request(base + "/chat/completions", data=b'{"messages": [',
                                                  headers={"Content-Type": "application/json"}))
    check(False, "malformed JSON accepted")
except urllib.error.HTTPError as e:
    body = json.loads(e.read())
    check(e.code == 400 and "message" in body["error"], f"malformed JSON: {e.code} {body}")
try:
    client.chat.completions.create(model="gemma3-270m", messages=[{"role": "user", "content": "x"}], temperature=5)
    check(False, "temperature=5 accepted")
except openai.BadRequestError as e:
    check(e.status_code == 400, f"bad field: {e}")
try:
    client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    check(False, "unknown model accepted")
except openai.NotFoundError as e:
    check(e.status_code == 404, f"unknown model: {e}")

print(json.dumps({"sent": sent}))
