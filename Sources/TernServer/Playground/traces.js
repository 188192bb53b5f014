// Traces: every recorded call, filtered by text, model, kind and time, newest first, a page at a
// time; one call opens with its exact prompt, parameters, output (tokens coloured by probability
// when logprobs were kept), timing and the tree of spans it ran under. Stored evaluations below.

import { getJSON, reporting, status } from "./api.js";
import { color } from "./tokens.js";

const $ = (id) => document.getElementById(id);
const PAGE = 25;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function when(seconds) { return new Date(seconds * 1000).toLocaleString(); }

export class Traces {
  constructor() {
    this.offset = 0;
    this.total = 0;
    $("trace-filters").addEventListener("submit", (e) => { e.preventDefault(); this.offset = 0; this.load(); });
    for (const id of ["trace-model", "trace-kind", "trace-since"]) $(id).addEventListener("change", () => { this.offset = 0; this.load(); });
    $("trace-prev").addEventListener("click", () => { this.offset = Math.max(0, this.offset - PAGE); this.load(); });
    $("trace-next").addEventListener("click", () => { if (this.offset + PAGE < this.total) { this.offset += PAGE; this.load(); } });
  }

  query() {
    const p = new URLSearchParams({ limit: PAGE, offset: this.offset });
    const q = $("trace-q").value.trim(), model = $("trace-model").value, kind = $("trace-kind").value, since = $("trace-since").value;
    if (q) p.set("q", q);
    if (model) p.set("model", model);
    if (kind) p.set("kind", kind);
    if (since) p.set("since", String(Date.now() / 1000 - Number(since)));
    return p;
  }

  async load() {
    const page = await reporting(() => getJSON(`/tern/v1/traces?${this.query()}`));
    if (!page) return;
    status(null);
    this.total = page.total;
    this.fill($("trace-model"), page.models);
    this.fill($("trace-kind"), page.kinds);
    const rows = page.data.map((c) => {
      const tr = document.createElement("tr");
      tr.tabIndex = 0;
      tr.dataset.id = c.id;
      tr.append(cell(String(c.id)), cell(when(c.started_at)), cell(c.model), cell(c.kind), cell(c.error ? `error: ${c.error}` : c.output, "clip"));
      const open = () => this.open(c.id, tr);
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
      return tr;
    });
    $("trace-table").tBodies[0].replaceChildren(...rows);
    const last = Math.min(this.total, this.offset + PAGE);
    $("trace-page").textContent = this.total ? `${this.offset + 1}–${last} of ${this.total}` : "no calls match";
    $("trace-prev").disabled = this.offset === 0;
    $("trace-next").disabled = last >= this.total;
    await this.loadEvals();
  }

  /** Keeps a filter menu's choice while refreshing its options. */
  fill(select, values) {
    const chosen = select.value;
    select.replaceChildren(new Option("any", ""), ...values.map((v) => new Option(v, v)));
    select.value = values.includes(chosen) ? chosen : "";
  }

  async loadEvals() {
    const evals = await reporting(() => getJSON("/tern/v1/evals"));
    if (!evals) return;
    const rows = evals.data.map((e) => {
      const tr = document.createElement("tr");
      tr.append(cell(String(e.id)), cell(e.name), cell(e.model), cell(`${e.score.toFixed(1)}%`), cell(String(e.examples)));
      return tr;
    });
    if (!rows.length) {
      const tr = document.createElement("tr"), td = cell("no evaluations stored yet");
      td.colSpan = 5;
      tr.append(td);
      rows.push(tr);
    }
    $("eval-table").tBodies[0].replaceChildren(...rows);
  }

  async open(id, row) {
    for (const tr of $("trace-table").tBodies[0].rows) tr.setAttribute("aria-selected", String(tr === row));
    const c = await reporting(() => getJSON(`/tern/v1/traces/${id}`));
    if (!c) return;
    const detail = $("trace-detail");
    const section = (title, ...content) => {
      const h = document.createElement("h2");
      h.textContent = title;
      detail.append(h, ...content);
    };
    const pre = (text, id) => { const p = document.createElement("pre"); p.className = "prompt"; p.textContent = text; if (id) p.id = id; return p; };
    detail.replaceChildren();
    const kv = document.createElement("dl");
    kv.className = "kv";
    const facts = [["call", `#${c.id} · ${c.kind} · ${c.backend}`], ["model", c.model], ["started", when(c.started_at)],
      ["latency", c.latency == null ? "—" : `${c.latency.toFixed(3)} s`], ["first token", c.ttft == null ? "—" : `${c.ttft.toFixed(3)} s`],
      ["tokens", `${c.prompt_tokens ?? "?"} prompt, ${c.completion_tokens ?? "?"} generated`], ["cache hit", c.cache_hit ? "yes" : "no"]];
    if (c.error) facts.push(["error", c.error]);
    for (const [k, v] of facts) { const dt = document.createElement("dt"), dd = document.createElement("dd"); dt.textContent = k; dd.textContent = v; kv.append(dt, dd); }
    section("Call", kv);
    section("The prompt exactly as the model saw it", pre(c.rendered_prompt ?? "(rendered by a remote server: the messages below)", "trace-prompt"));
    section("Messages", pre(JSON.stringify(c.messages, null, 2)));
    section("Parameters", pre(JSON.stringify(c.parameters, null, 2)));
    section("Output", this.output(c));
    if (c.spans) section("Span tree", this.tree(c.spans, c.id));
  }

  /** The first choice's tokens coloured by probability when logprobs were recorded, else its text. */
  output(c) {
    const box = document.createElement("div");
    box.className = "tokens";
    const lps = Array.isArray(c.choices) ? c.choices[0]?.logprobs : null;
    if (Array.isArray(lps) && lps.length) {
      for (const t of lps) {
        const span = document.createElement("span");
        span.className = "tok";
        span.textContent = t.token;
        span.style.background = color(t.logprob);
        span.title = t.top.map((a) => `${JSON.stringify(a.token)} ${(100 * Math.exp(a.logprob)).toFixed(1)}%`).join("\n");
        box.append(span);
      }
    } else {
      box.textContent = c.output ?? "";
    }
    return box;
  }

  tree(span, current) {
    const wrap = document.createElement("div");
    wrap.className = "spans";
    wrap.id = "span-tree";
    const list = (s) => {
      const ul = document.createElement("ul");
      const li = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = s.name;
      li.append(name);
      if (s.attributes) li.append(` ${JSON.stringify(s.attributes)}`);
      const calls = document.createElement("ul");
      for (const call of s.calls) {
        const item = document.createElement("li");
        item.textContent = `call #${call.id} ${call.kind}: ${call.output}`;
        if (call.id === current) item.style.fontWeight = "bold";
        else {  // another call of the same span opens in its place
          item.tabIndex = 0;
          item.className = "open-call";
          item.addEventListener("click", () => this.open(call.id, null));
          item.addEventListener("keydown", (e) => { if (e.key === "Enter") this.open(call.id, null); });
        }
        calls.append(item);
      }
      li.append(calls, ...s.children.map(list));
      ul.append(li);
      return ul;
    };
    wrap.append(list(span));
    return wrap;
  }
}
