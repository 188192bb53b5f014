// Models: what the server serves (the base model, adapters, mixtures, routers, embedding models),
// each selectable as the model the other views use.

import { getJSON } from "./api.js";

const $ = (id) => document.getElementById(id);

export async function loadModels() {
  const list = (await getJSON("/tern/v1/models")).data;
  const select = $("model");
  const chosen = select.value;
  const generative = list.filter((m) => m.kind !== "embedding");
  select.replaceChildren(...generative.map((m) => new Option(`${m.id} (${m.kind})`, m.id)));
  if (generative.some((m) => m.id === chosen)) select.value = chosen;
  const rows = list.map((m) => {
    const tr = document.createElement("tr");
    for (const text of [m.id, m.kind, m.backend]) { const td = document.createElement("td"); td.textContent = text; tr.append(td); }
    const td = document.createElement("td");
    if (m.kind !== "embedding") {
      const use = document.createElement("button");
      use.type = "button";
      use.textContent = "Use";
      use.addEventListener("click", () => { select.value = m.id; select.dispatchEvent(new Event("change")); });
      td.append(use);
    }
    tr.append(td);
    return tr;
  });
  $("model-table").tBodies[0].replaceChildren(...rows);
  return generative.map((m) => m.id);
}
