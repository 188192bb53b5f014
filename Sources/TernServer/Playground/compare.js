// Compare: the same task and seed under two or more settings, side by side (A/B), optionally
// judged by the pairwise judge in both orders; its verdict counts only when the orders agree.

import { postJSON, stream, reporting, status } from "./api.js";
import { EXPERTISE, LENGTH, TONE, DEFAULTS, messages, samplingFields } from "./prompt.js";
import { TokenView, tokensOf } from "./tokens.js";

const $ = (id) => document.getElementById(id);
const LETTERS = "ABCDEF";

function slider(label, names, value, max, step = 1) {
  const wrap = document.createElement("label");
  const out = document.createElement("output");
  const input = document.createElement("input");
  Object.assign(input, { type: "range", min: 0, max, step, value });
  const show = () => { out.textContent = names ? names[Number(input.value)] : input.value; };
  input.addEventListener("input", show);
  show();
  wrap.append(`${label} `, out, input);
  return { wrap, input };
}

class Column {
  constructor(letter, settings, models) {
    this.letter = letter;
    this.panel = document.createElement("div");
    this.panel.className = "panel";
    this.panel.dataset.column = letter;
    const title = document.createElement("h3");
    title.textContent = `Setting ${letter}`;
    this.model = document.createElement("select");
    for (const m of models) this.model.append(new Option(m, m));
    const modelLabel = document.createElement("label");
    modelLabel.append("Model ", this.model);
    this.expertise = slider("Expertise", EXPERTISE, settings.expertise, 4);
    this.length = slider("Length", LENGTH, settings.length, 3);
    this.tone = slider("Tone", TONE, settings.tone, 2);
    this.temperature = slider("Temperature", null, settings.temperature, 2, 0.05);
    const output = document.createElement("div");
    output.className = "tokens";
    const popup = document.createElement("div");
    popup.className = "popup";
    popup.hidden = true;
    this.view = new TokenView(output, popup, () => {});
    this.panel.append(title, modelLabel, this.expertise.wrap, this.length.wrap, this.tone.wrap, this.temperature.wrap, output, popup);
  }

  settings(seed) {
    return { ...DEFAULTS, expertise: Number(this.expertise.input.value), length: Number(this.length.input.value),
             tone: Number(this.tone.input.value), temperature: Number(this.temperature.input.value), seed, max_tokens: 96 };
  }

  async run(task, seed) {
    this.view.clear();
    const s = this.settings(seed);
    const rendered = await postJSON("/tern/v1/render", { model: this.model.value, messages: messages(task, s) });
    for await (const chunk of stream("/v1/completions", { model: this.model.value, prompt: rendered.prompt, ...samplingFields(s) })) {
      const choice = chunk.choices?.[0];
      if (choice) this.view.append(tokensOf(choice.logprobs));
    }
    return this.view.text;
  }
}

export class Compare {
  constructor(models, judgeModel) {
    this.models = models;
    this.judgeModel = judgeModel;
    this.columns = [];
    this.add({ ...DEFAULTS });
    this.add({ ...DEFAULTS, expertise: 0, length: 0 });
    $("compare-add").addEventListener("click", () => this.add({ ...DEFAULTS }));
    $("compare-run").addEventListener("click", () => this.run());
  }

  add(settings) {
    if (this.columns.length >= LETTERS.length) return;
    const column = new Column(LETTERS[this.columns.length], settings, this.models());
    this.columns.push(column);
    $("compare-columns").append(column.panel);
  }

  async run() {
    const task = $("compare-task").value.trim();
    if (!task) { status("Write a task to compare on."); return; }
    const seed = Number($("compare-seed").value);
    const button = $("compare-run");
    button.disabled = true;
    $("verdict").hidden = true;
    const texts = await reporting(async () => {
      const out = [];
      for (const c of this.columns) out.push(await c.run(task, seed));  // one engine: one after another
      return out;
    });
    if (texts && $("compare-judge").checked && texts.length >= 2) {
      const v = $("verdict");
      v.hidden = false;
      v.textContent = "judging A against B in both orders…";
      const j = await reporting(() => postJSON("/tern/v1/judge", { model: this.judgeModel(), question: task, a: texts[0], b: texts[1] }));
      if (j) this.showVerdict(j); else v.hidden = true;
    }
    button.disabled = false;
  }

  showVerdict(j) {
    const v = $("verdict");
    const head = document.createElement("h2");
    head.id = "verdict-text";
    head.textContent = j.verdict === "tie"
      ? `Verdict: tie (A first: ${j.in_order ?? "no answer"}, B first: ${j.swapped ?? "no answer"}; a verdict needs both orders to agree)`
      : `Verdict: ${j.verdict.toUpperCase()} is better (both orders agree)`;
    const reasons = document.createElement("div");
    j.explanations.forEach((text, i) => {
      const p = document.createElement("p");
      const b = document.createElement("strong");
      b.textContent = i === 0 ? "A shown first: " : "B shown first: ";
      p.append(b, text);
      reasons.append(p);
    });
    v.replaceChildren(head, reasons);
  }
}
