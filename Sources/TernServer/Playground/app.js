// The playground's entry: tabs, the model menu, and the four views.

import { reporting, status } from "./api.js";
import { loadModels } from "./models.js";
import { Compose } from "./compose.js";
import { Compare } from "./compare.js";
import { Traces } from "./traces.js";

const $ = (id) => document.getElementById(id);
const TABS = ["compose", "compare", "traces", "models"];

function select(name) {
  for (const t of TABS) {
    $(`tab-${t}`).setAttribute("aria-selected", String(t === name));
    $(`tab-${t}`).tabIndex = t === name ? 0 : -1;
    $(`view-${t}`).hidden = t !== name;
  }
  if (name === "traces") traces.load();
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

let traces;

async function start() {
  let models = await reporting(loadModels);
  if (!models) {
    // Unreachable, or refused: say so and keep trying, so the page recovers when the server does.
    setTimeout(start, 3000);
    return;
  }
  status(null);
  const model = () => $("model").value;
  const compose = new Compose(model);
  new Compare(() => models, model);
  traces = new Traces();
  $("model").addEventListener("change", () => compose.refresh());
  TABS.forEach((t, i) => {
    const tab = $(`tab-${t}`);
    tab.addEventListener("click", () => select(t));
    tab.addEventListener("keydown", (e) => {  // arrow keys move along the tab list
      const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      const next = TABS[(i + step + TABS.length) % TABS.length];
      select(next);
      $(`tab-${next}`).focus();
    });
  });
  select(TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "compose");
  compose.refresh();
}

window.addEventListener("unhandledrejection", (e) => status(String(e.reason?.message || e.reason)));
start();
