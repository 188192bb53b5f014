"""Function calling against `tern serve` with the official `openai` package, as a user would.

Usage: openai_tools.py BASE_URL
Prints one JSON object with what it saw; exits 1 with a message on the first failed check.
"""
import json
import sys

import openai

client = openai.OpenAI(base_url=sys.argv[1], api_key="unused")
seen = {}

weather = {"type": "function", "function": {
    "name": "get_weather", "description": "The current weather in a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city"]}}}
clock = {"type": "function", "function": {
    "name": "get_time", "description": "The current time in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
ask = [{"role": "user", "content": "What is the weather in Paris?"}]


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def valid(call, tools):
    """The call names an offered function and its arguments parse with the required keys."""
    spec = next((t["function"] for t in tools if t["function"]["name"] == call.function.name), None)
    check(spec is not None, f"an offered function: {call.function.name}")
    args = json.loads(call.function.arguments)
    check(set(spec["parameters"]["required"]) <= set(args), f"the required arguments: {args}")
    check(set(args) <= set(spec["parameters"]["properties"]), f"only declared arguments: {args}")
    check(call.id.startswith("call_") and call.type == "function", f"OpenAI's call shape: {call}")
    return args


# A required call: well formed, finish_reason tool_calls, no content.
r = client.chat.completions.create(model="gemma3-270m-it", messages=ask, tools=[weather, clock],
                                   tool_choice="required", temperature=0, max_tokens=96)
choice = r.choices[0]
check(choice.finish_reason == "tool_calls", f"finish_reason: {choice.finish_reason}")
check(choice.message.content is None, f"no content: {choice.message.content!r}")
calls = choice.message.tool_calls
check(calls, "a call")
seen["required"] = [(c.function.name, valid(c, [weather, clock])) for c in calls]
check(len({c.id for c in calls}) == len(calls), "distinct ids")

# A named function, one call only.
r = client.chat.completions.create(model="gemma3-270m-it", messages=ask, tools=[weather, clock],
                                   tool_choice={"type": "function", "function": {"name": "get_time"}},
                                   parallel_tool_calls=False, temperature=0, max_tokens=96)
calls = r.choices[0].message.tool_calls
check(len(calls) == 1 and calls[0].function.name == "get_time", f"the named function, once: {calls}")
seen["named"] = valid(calls[0], [clock])

# Parallel calls allowed: every call is well formed (the model decides how many).
r = client.chat.completions.create(model="gemma3-270m-it", tools=[weather], tool_choice="required", temperature=0,
                                   messages=[{"role": "user", "content": "What is the weather in Paris and in Tokyo?"}],
                                   max_tokens=160)
seen["parallel"] = [valid(c, [weather]) for c in r.choices[0].message.tool_calls]

# Streamed: the deltas reassemble into the same call as the whole answer.
whole = client.chat.completions.create(model="gemma3-270m-it", messages=ask, tools=[weather], tool_choice="required",
                                       parallel_tool_calls=False, temperature=0, max_tokens=96)
parts, finish = {}, None
for chunk in client.chat.completions.create(model="gemma3-270m-it", messages=ask, tools=[weather], tool_choice="required",
                                            parallel_tool_calls=False, temperature=0, max_tokens=96, stream=True):
    for delta in chunk.choices[0].delta.tool_calls or []:
        p = parts.setdefault(delta.index, {"name": "", "arguments": ""})
        p["name"] += delta.function.name or ""
        p["arguments"] += delta.function.arguments or ""
    finish = chunk.choices[0].finish_reason or finish
w = whole.choices[0].message.tool_calls[0]
check(list(parts.values()) == [{"name": w.function.name, "arguments": w.function.arguments}],
      f"streamed {parts} against whole {w}")
check(finish == "tool_calls", f"streamed finish_reason: {finish}")
seen["streamed"] = parts[0]

# "none": a text answer, no calls.
r = client.chat.completions.create(model="gemma3-270m-it", messages=ask, tools=[weather], tool_choice="none",
                                   temperature=0, max_tokens=32)
check(not r.choices[0].message.tool_calls and r.choices[0].message.content, f"text, no call: {r.choices[0].message}")

# The tool's answer goes back; the model answers in text.
call = whole.choices[0].message.tool_calls[0]
r = client.chat.completions.create(model="gemma3-270m-it", tools=[weather], tool_choice="none", temperature=0, max_tokens=32,
                                   messages=ask + [{"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
                                                   {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"}])
seen["after_tool"] = r.choices[0].message.content
check(seen["after_tool"], "an answer after the tool's result")

# A schema the grammar cannot enforce: 400 naming the field.
try:
    client.chat.completions.create(model="gemma3-270m-it", messages=ask, tool_choice="required", tools=[{
        "type": "function", "function": {"name": "f", "parameters": {
            "type": "object", "properties": {"xs": {"type": "array", "uniqueItems": True}}}}}])
    check(False, "an invalid schema is refused")
except openai.BadRequestError as e:
    check("tools[0].function.parameters" in str(e), f"the field named: {e}")
    seen["invalid"] = str(e)

print(json.dumps(seen))
