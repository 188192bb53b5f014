// What the controls mean: the sliders about the answer become instructions in the prompt, the
// sampling sliders become request fields. Compose and Compare build requests the same way.

export const EXPERTISE = ["a child", "a teenager", "an adult", "an expert", "a specialist"];
const AUDIENCE = [
  "a curious eight-year-old: short words, one idea at a time, an everyday example",
  "a teenager at school: plain words, define any technical term",
  "an educated adult who is not in the field",
  "an expert in a neighbouring field: precise terms are fine",
  "a specialist in this very field: be exact and technical, skip the basics",
];
export const LENGTH = ["one line", "a few sentences", "a paragraph", "detailed"];
const LENGTH_RULE = [
  "Answer in one line.",
  "Answer in two or three sentences.",
  "Answer in one paragraph.",
  "Answer in detail, in several paragraphs.",
];
export const TONE = ["casual", "neutral", "formal"];
const TONE_RULE = ["Keep it casual and friendly.", "Keep a neutral tone.", "Write formally."];

/** JSON schemas the format switch offers; the server constrains the output to the one chosen. */
export const SCHEMAS = {
  "answer + confidence": {
    type: "object",
    properties: { answer: { type: "string" }, confidence: { type: "number", minimum: 0, maximum: 1 } },
    required: ["answer", "confidence"],
  },
  "list of facts": {
    type: "object",
    properties: { facts: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 5 } },
    required: ["facts"],
  },
  "term and definition": {
    type: "object",
    properties: { term: { type: "string" }, definition: { type: "string" }, example: { type: "string" } },
    required: ["term", "definition"],
  },
};

/** The chat for a task under these settings. */
export function messages(task, s) {
  const format = s.format === "list" ? "Answer as a bulleted list."
    : s.format === "json" ? `Answer only with JSON of this shape: ${JSON.stringify(SCHEMAS[s.schema])}.`
    : "Write plain prose.";
  const system = `You are answering for ${AUDIENCE[s.expertise]}. ${LENGTH_RULE[s.length]} ${TONE_RULE[s.tone]} ${format}`;
  return [{ role: "system", content: system }, { role: "user", content: task }];
}

/** The sampling fields of a /v1/completions request (llama.cpp's names beyond OpenAI's). */
export function samplingFields(s) {
  const fields = {
    temperature: s.temperature, top_p: s.top_p, min_p: s.min_p, top_k: s.top_k, seed: s.seed,
    max_tokens: s.max_tokens, logprobs: 5,
  };
  if (s.repeat_penalty !== 1) fields.repeat_penalty = s.repeat_penalty;
  if (s.dry_multiplier > 0) fields.dry_multiplier = s.dry_multiplier;
  if (s.adaptive_temperature) fields.adaptive_temperature = true;
  if (s.format === "json") fields.response_format = { type: "json_schema", json_schema: { name: s.schema, schema: SCHEMAS[s.schema] } };
  return fields;
}

/** The settings Compose starts with (and Compare's columns copy). */
export const DEFAULTS = {
  expertise: 2, length: 1, tone: 1, format: "prose", schema: "answer + confidence",
  temperature: 0.8, top_p: 0.95, min_p: 0.05, top_k: 40, repeat_penalty: 1, dry_multiplier: 0,
  adaptive_temperature: false, max_tokens: 64, seed: 1,
};
