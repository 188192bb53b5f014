// Small line charts as SVG, built node by node (labels are text nodes, never markup).

const NS = "http://www.w3.org/2000/svg";

function node(name, attributes = {}, text) {
  const el = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** series: [{name, color, values: [number]}] over x = 0 … n−1; markers: x positions to flag. */
export function lineChart({ series, yMax, yLabel, markers = [], width = 640, height = 150 }) {
  const left = 40, right = 10, top = 18, bottom = 22;
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const max = yMax ?? Math.max(1e-9, ...series.flatMap((s) => s.values));
  const x = (i) => left + (i / (n - 1)) * (width - left - right);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": yLabel });
  svg.append(node("line", { x1: left, y1: y(0), x2: width - right, y2: y(0), stroke: "#999" }));
  svg.append(node("line", { x1: left, y1: top, x2: left, y2: y(0), stroke: "#999" }));
  svg.append(node("text", { x: 4, y: top + 4 }, max.toFixed(max < 10 ? 2 : 0)));
  svg.append(node("text", { x: 4, y: y(0) }, "0"));
  svg.append(node("text", { x: left + 4, y: 12 }, yLabel));
  for (const m of markers) svg.append(node("line", { x1: x(m), y1: top, x2: x(m), y2: y(0), stroke: "#7b1fa2", "stroke-dasharray": "3,3" }));
  series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(node("polyline", { points, fill: "none", stroke: s.color, "stroke-width": 2 }));
    svg.append(node("text", { x: width - right - 4, y: 12 + 12 * k, "text-anchor": "end", fill: s.color }, s.name));
  });
  svg.append(node("text", { x: width - right, y: height - 4, "text-anchor": "end" }, "token"));
  return svg;
}
