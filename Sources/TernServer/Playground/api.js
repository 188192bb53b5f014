// Tern's HTTP API as the page uses it: JSON calls and server-sent-event streams, the API key
// (asked for once, kept for the browser session) on every call, and errors turned into one line.

let apiKey = sessionStorage.getItem("tern-api-key") || "";

export class APIError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** Shows the key dialog and resolves once a key was entered. */
function askForKey() {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  input.value = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      apiKey = input.value.trim();
      sessionStorage.setItem("tern-api-key", apiKey);
      resolve();
    }, { once: true });
    dialog.showModal();
    input.focus();
  });
}

async function send(path, { method = "GET", body, signal } = {}, retried = false) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (apiKey) headers["Authorization"] = `Bearer ${apiKey}`;
  let response;
  try {
    response = await fetch(path, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new APIError(`Cannot reach the Tern server (${location.host}): is tern serve still running?`, 0);
  }
  if (response.status === 401 && !retried) {
    await askForKey();
    return send(path, { method, body, signal }, true);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const error = (await response.json()).error;
      if (error && error.message) message = `${message}: ${error.message}`;
    } catch { /* not JSON */ }
    throw new APIError(message, response.status);
  }
  return response;
}

export async function getJSON(path, options = {}) {
  return (await send(path, options)).json();
}

export async function postJSON(path, body, options = {}) {
  return (await send(path, { ...options, method: "POST", body })).json();
}

/** POSTs `body` with `stream: true` and yields each event's parsed data until [DONE]. */
export async function* stream(path, body, { signal } = {}) {
  const response = await send(path, { method: "POST", body: { ...body, stream: true }, signal });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        const parsed = JSON.parse(data);
        if (parsed.error) throw new APIError(parsed.error.message || "the generation failed", 500);
        yield parsed;
      }
    }
  }
  throw new APIError("The stream ended early: the server may have stopped.", 0);
}

/** One visible line for an error (or a note); cleared by `status(null)`. */
export function status(message, kind = "error") {
  const bar = document.getElementById("status");
  if (!message) { bar.hidden = true; bar.textContent = ""; return; }
  bar.textContent = message;
  bar.className = kind === "error" ? "" : kind;
  bar.hidden = false;
}

/** Runs `action`, reporting a failure in the status line (an aborted request is not a failure). */
export async function reporting(action) {
  try {
    const result = await action();
    return result;
  } catch (e) {
    if (e.name !== "AbortError") status(e.message || String(e));
    return undefined;
  }
}
