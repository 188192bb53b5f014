// Generated tokens shown by probability: each token's background goes from red (unlikely) to
// green (likely); hovering or focusing a token lists the alternatives the model weighed, and
// choosing one asks `onChoose(index, text)` to regenerate from there. Text is only ever set as
// textContent: model output is shown, never interpreted as HTML.

/** Tokens of a streamed /v1/completions chunk's `logprobs` (OpenAI's legacy shape). */
export function tokensOf(logprobs) {
  if (!logprobs || !logprobs.tokens) return [];
  return logprobs.tokens.map((text, i) => ({
    text,
    logprob: logprobs.token_logprobs[i],
    top: Object.entries(logprobs.top_logprobs[i] || {})
      .map(([token, logprob]) => ({ token, logprob }))
      .sort((a, b) => b.logprob - a.logprob),
  }));
}

/** Entropy in nats of the alternatives listed (the rest of the mass as one more outcome): a
 *  lower bound of the full distribution's. */
export function entropy(token) {
  let h = 0, mass = 0;
  for (const { logprob } of token.top) { const p = Math.exp(logprob); mass += p; h -= p * logprob; }
  const rest = 1 - mass;
  if (rest > 1e-9) h -= rest * Math.log(rest);
  return h;
}

export function color(logprob) {
  const p = Math.exp(logprob);
  return `hsl(${Math.round(120 * p)}, 75%, ${p > 0.5 ? 86 : 82}%)`;
}

const percent = (lp) => `${(100 * Math.exp(lp)).toFixed(1)}%`;
const visible = (t) => t.replace(/\n/g, "⏎").replace(/ /g, "␣") || "∅";

export class TokenView {
  constructor(container, popup, onChoose) {
    this.container = container;
    this.popup = popup;
    this.onChoose = onChoose;
    this.tokens = [];
    this.hideTimer = null;
    popup.addEventListener("mouseenter", () => clearTimeout(this.hideTimer));
    popup.addEventListener("mouseleave", () => this.hideSoon());
    popup.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { this.hide(); this.focused?.focus(); }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        const buttons = [...popup.querySelectorAll("button")];
        const i = buttons.indexOf(document.activeElement) + (e.key === "ArrowDown" ? 1 : -1);
        buttons[(i + buttons.length) % buttons.length]?.focus();
        e.preventDefault();
      }
    });
  }

  clear() { this.tokens = []; this.container.replaceChildren(); this.hide(); }

  /** Keeps the first `n` tokens (marked as kept) and drops the rest. */
  keep(n) {
    this.tokens = this.tokens.slice(0, n);
    [...this.container.children].slice(n).forEach((el) => el.remove());
    for (const el of this.container.children) el.classList.add("kept");
    this.hide();
  }

  append(tokens) {
    for (const token of tokens) {
      const index = this.tokens.length;
      this.tokens.push(token);
      const span = document.createElement("span");
      span.className = "tok";
      span.textContent = token.text;
      span.tabIndex = 0;
      span.dataset.index = index;
      span.style.background = color(token.logprob);
      span.setAttribute("aria-label", `${token.text}, ${percent(token.logprob)}`);
      span.addEventListener("mouseenter", () => this.show(span));
      span.addEventListener("mouseleave", () => this.hideSoon());
      span.addEventListener("focus", () => this.show(span));
      span.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { this.show(span); this.popup.querySelector("button")?.focus(); e.preventDefault(); }
        if (e.key === "Escape") this.hide();
      });
      this.container.append(span);
    }
  }

  /** Underlines the forking tokens (indices into the current tokens). */
  markForks(indices) {
    for (const el of this.container.children) el.classList.toggle("fork", indices.includes(Number(el.dataset.index)));
  }

  get text() { return this.tokens.map((t) => t.text).join(""); }

  show(span) {
    clearTimeout(this.hideTimer);
    this.focused = span;
    const index = Number(span.dataset.index), token = this.tokens[index];
    const title = document.createElement("div");
    title.className = "hint";
    title.textContent = `token ${index + 1}: ${percent(token.logprob)}`;
    const buttons = token.top.map((alt) => {
      const b = document.createElement("button");
      b.type = "button";
      const name = document.createElement("span"), p = document.createElement("span");
      name.textContent = visible(alt.token);
      p.textContent = percent(alt.logprob);
      b.append(name, p);
      if (alt.token === token.text) b.classList.add("chosen");
      b.addEventListener("click", () => { this.hide(); this.onChoose(index, alt.token); });
      return b;
    });
    this.popup.replaceChildren(title, ...buttons);
    const box = span.getBoundingClientRect(), parent = this.popup.offsetParent?.getBoundingClientRect() ?? { left: 0, top: 0 };
    this.popup.style.left = `${Math.max(0, Math.min(box.left - parent.left, window.innerWidth - 220))}px`;
    this.popup.style.top = `${box.bottom - parent.top + 4}px`;
    this.popup.hidden = false;
  }

  hideSoon() { clearTimeout(this.hideTimer); this.hideTimer = setTimeout(() => this.hide(), 250); }
  hide() { this.popup.hidden = true; }
}
