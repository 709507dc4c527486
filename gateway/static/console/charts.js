// Small line charts drawn as inline SVG: no library, no CDN.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const CHART_COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#0a7b83"];

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG_NS, name);
  Object.entries(attributes || {}).forEach(([key, value]) => element.setAttribute(key, value));
  if (text !== undefined) { element.textContent = text; }
  return element;
}

// A "nice" axis top at or above `value`: 1, 2, 5, 10, 20, 50 ...
function niceCeiling(value) {
  if (value <= 1) { return 1; }
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  const step = [1, 2, 5, 10].find((m) => m * power >= value);
  return step * power;
}

// Draw series = [{name, code, values}] (equal lengths, oldest first) into the <svg> element.
// `format` turns a number into text (Persian digits in the Persian console); `xLabels`
// are spread evenly under the time axis.
function drawLineChart(svg, series, options) {
  const opts = Object.assign({ width: 640, height: 180, pad: 34, format: String }, options);
  const { width, height, pad } = opts;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const points = series.length ? series[0].values.length : 0;
  const top = niceCeiling(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(1, points - 1);
  const y = (v) => height - pad + (-(height - 2 * pad) * v) / top;
  [0, top / 2, top].forEach((tick) => {
    svg.appendChild(svgElement("line", {
      x1: pad, x2: width - pad, y1: y(tick), y2: y(tick), stroke: "#d0d7de", "stroke-width": 1,
    }));
    svg.appendChild(svgElement("text", {
      x: pad - 4, y: y(tick) + 4, "text-anchor": "end", "font-size": 11, fill: "#57606a",
      direction: "ltr",
    }, opts.format(tick)));
  });
  (opts.xLabels || []).forEach((text, n, all) => {
    const at = all.length > 1 ? (n * (points - 1)) / (all.length - 1) : 0;
    svg.appendChild(svgElement("text", {
      x: x(at), y: height - pad + 16, "text-anchor": "middle", "font-size": 11, fill: "#57606a",
    }, text));
  });
  series.forEach((line, n) => {
    const colour = CHART_COLOURS[n % CHART_COLOURS.length];
    const path = line.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const polyline = svgElement("polyline", {
      points: path, fill: "none", stroke: colour, "stroke-width": 2,
      "data-series": line.code || line.name,
    });
    polyline.appendChild(svgElement("title", {}, line.name));
    svg.appendChild(polyline);
  });
  if (opts.tip && points) { addTooltip(svg, { x, points, width, height, pad, tip: opts.tip }); }
  return series.map((line, n) => ({ name: line.name, colour: CHART_COLOURS[n % CHART_COLOURS.length] }));
}

// Hovering (or touching) the chart shows the values of the nearest point in a box:
// `tip(index)` gives its lines of text.
function addTooltip(svg, { x, points, width, height, pad, tip }) {
  const wrap = svg.parentElement;
  const guide = svgElement("line", { y1: pad, y2: height - pad, stroke: "#8c959f",
    "stroke-dasharray": "3 3", visibility: "hidden" });
  svg.appendChild(guide);
  const box = wrap.querySelector(".chart-tip") || document.createElement("div");
  box.className = "chart-tip";
  box.hidden = true;
  box.setAttribute("role", "status");
  wrap.appendChild(box);
  const overlay = svgElement("rect", { x: pad, y: 0, width: width - 2 * pad, height,
    fill: "transparent" });
  svg.appendChild(overlay);
  const show = (event) => {
    const rect = svg.getBoundingClientRect();
    const at = ((event.clientX - rect.left) / rect.width) * width;
    const index = Math.max(0, Math.min(points - 1,
      Math.round(((at - pad) / (width - 2 * pad)) * (points - 1))));
    guide.setAttribute("x1", x(index));
    guide.setAttribute("x2", x(index));
    guide.setAttribute("visibility", "visible");
    box.replaceChildren(...tip(index).map((text) => {
      const line = document.createElement("div");
      line.textContent = text;
      return line;
    }));
    box.hidden = false;
    const left = (x(index) / width) * rect.width;
    box.style.insetInlineStart = "auto";
    box.style.left = `${Math.max(0, Math.min(rect.width - box.offsetWidth, left + 8))}px`;
    box.style.top = "4px";
  };
  const hide = () => { box.hidden = true; guide.setAttribute("visibility", "hidden"); };
  overlay.addEventListener("mousemove", show);
  overlay.addEventListener("touchstart", (event) => show(event.touches[0]), { passive: true });
  overlay.addEventListener("mouseleave", hide);
}

// A legend (coloured names) for what drawLineChart returned.
function drawLegend(element, entries) {
  element.replaceChildren(...entries.map((entry) => {
    const item = document.createElement("span");
    item.className = "legend-item";
    item.style.borderColor = entry.colour;
    item.textContent = entry.name;
    return item;
  }));
}

window.drawLineChart = drawLineChart;
window.drawLegend = drawLegend;
