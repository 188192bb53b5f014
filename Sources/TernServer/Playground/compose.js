// Compose: a task and controls; the exact prompt the model sees (rendered by the server with the
// model's chat template, special tokens and all) updates as a control moves, and every change
// regenerates (debounced; the previous request is cancelled) and streams into the token view.

import { postJSON, stream, status, reporting } from "./api.js";
import { EXPERTISE, LENGTH, TONE, SCHEMAS, DEFAULTS, messages, samplingFields } from "./prompt.js";
import { TokenView, tokensOf, entropy } from "./tokens.js";
import { lineChart } from "./chart.js";

const $ = (id) => document.getElementById(id);
const LABELS = { expertise: EXPERTISE, length: LENGTH, tone: TONE };
const NUMBERS = ["expertise", "length", "tone", "temperature", "top_p", "min_p", "top_k", "repeat_penalty", "dry_multiplier", "max_tokens", "seed"];

export class Compose {
  constructor(model) {
    this.model = model;  // () => the selected model's name
    this.prompt = "";    // the rendered prompt of the current controls
    this.controller = null;
    this.timer = null;
    this.view = new TokenView($("output"), $("token-popup"), (i, text) => this.regenerateFrom(i, text));
    for (const name of Object.keys(SCHEMAS)) $("schema").append(new Option(name, name));
    for (const [k, v] of Object.entries(DEFAULTS)) {
      const el = $(k);
      if (!el) continue;
      if (el.type === "checkbox") el.checked = v; else el.value = v;
    }
    $("controls").addEventListener("input", () => this.changed());
    // A menu chosen by script or by some keyboards reports only "change" (a double report is debounced).
    $("controls").addEventListener("change", (e) => { if (e.target.tagName === "SELECT") this.changed(); });
    $("controls").addEventListener("submit", (e) => e.preventDefault());
    $("run-forks").addEventListener("click", () => this.forks());
    this.showLabels();
  }

  settings() {
    const s = { format: $("format").value, schema: $("schema").value, adaptive_temperature: $("adaptive_temperature").checked };
    for (const k of NUMBERS) s[k] = Number($(k).value);
    return s;
  }

  showLabels() {
    const s = this.settings();
    for (const k of NUMBERS) {
      const out = document.querySelector(`output[for="${k}"]`);
      if (out) out.textContent = LABELS[k] ? LABELS[k][s[k]] : String(s[k]);
    }
    $("schema-row").hidden = s.format !== "json";
  }

  /** A control moved: show its value now, re-render and regenerate after a pause. */
  changed() {
    this.showLabels();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 350);
  }

  async refresh() {
    this.controller?.abort();
    const rendered = await reporting(() => postJSON("/tern/v1/render", { model: this.model(), messages: messages($("task").value, this.settings()) }));
    if (!rendered) return;
    status(null);
    this.prompt = rendered.prompt;
    $("prompt").textContent = rendered.prompt;
    $("prompt-tokens").textContent = `${rendered.tokens} tokens, ${rendered.model}`;
    this.view.clear();
    $("forks").replaceChildren();
    await this.generate("");
  }

  /** Streams a continuation of the rendered prompt plus `prefix` (text already shown). */
  async generate(prefix) {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const state = $("gen-state");
    state.textContent = "generating…";
    const started = performance.now();
    let count = 0;
    const body = { model: this.model(), prompt: this.prompt + prefix, ...samplingFields(this.settings()) };
    const done = await reporting(async () => {
      for await (const chunk of stream("/v1/completions", body, { signal: controller.signal })) {
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const tokens = tokensOf(choice.logprobs);
        if (tokens.length) { this.view.append(tokens); count += tokens.length; }
        else if (choice.text) { this.view.append([{ text: choice.text, logprob: 0, top: [] }]); count += 1; }
        this.drawEntropy();
      }
      return true;
    });
    if (this.controller !== controller) return;  // a newer request took over
    const seconds = (performance.now() - started) / 1000;
    state.textContent = done ? `${count} tokens in ${seconds.toFixed(1)} s` : controller.signal.aborted ? "cancelled" : "failed";
    state.dataset.done = done ? "1" : "0";
  }

  /** An alternative chosen at token i: keep what came before, put the alternative, go on from there. */
  async regenerateFrom(i, text) {
    const token = this.view.tokens[i];
    this.controller?.abort();
    this.view.keep(i);
    const alt = token.top.find((t) => t.token === text);
    this.view.append([{ text, logprob: alt ? alt.logprob : token.logprob, top: token.top }]);
    await this.generate(this.view.text);
  }

  drawEntropy() {
    const values = this.view.tokens.map(entropy);
    $("entropy").replaceChildren(lineChart({ series: [{ name: "entropy (nats, from the top 5)", color: "#1f5fbf", values }], yLabel: "entropy per token" }));
  }

  async forks() {
    const output = this.view.text;
    if (!output) { status("Generate something first: forking paths analyse the current output."); return; }
    const button = $("run-forks");
    button.disabled = true;
    $("forks").textContent = "resampling from every token…";
    const report = await reporting(() => postJSON("/tern/v1/forks", {
      model: this.model(), prompt: this.prompt, output, samples: Number($("forks-samples").value),
      max_tokens: Math.min(64, this.view.tokens.length), answer: $("forks-answer").value,
      temperature: Math.max(0.1, this.settings().temperature), seed: this.settings().seed,
    }));
    button.disabled = false;
    if (!report) { $("forks").textContent = ""; return; }
    const chart = lineChart({
      series: [
        { name: `P(outcome “${report.baseOutcome}”)`, color: "#7b1fa2", values: report.positions.map((p) => p.baseOutcomeProbability) },
        { name: "entropy (nats)", color: "#1f5fbf", values: report.positions.map((p) => p.entropy) },
      ],
      yLabel: "when resampling from each token", markers: report.forkingTokens,
    });
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = report.forkingTokens.length
      ? `Forking tokens: ${report.forkingTokens.map((i) => JSON.stringify(report.positions[i].token)).join(", ")} (${report.samples} samples per token, ${report.seconds.toFixed(1)} s)`
      : `No forking token: the outcome “${report.baseOutcome}” holds along the path (${report.samples} samples per token).`;
    $("forks").replaceChildren(chart, note);
    this.view.markForks(this.viewIndices(report));
  }

  /** The view's tokens where the report's forking tokens start (the two tokenizations may differ). */
  viewIndices(report) {
    const starts = [];
    let offset = 0;
    for (const p of report.positions) { starts.push(offset); offset += p.token.length; }
    const ends = [];
    offset = 0;
    for (const t of this.view.tokens) { offset += t.text.length; ends.push(offset); }
    return report.forkingTokens.map((i) => ends.findIndex((end) => end > starts[i])).filter((i) => i >= 0);
  }
}
