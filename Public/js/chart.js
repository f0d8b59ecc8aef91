// Line charts as SVG: one line per series, gaps (null points) drawn as gaps, axes with units, a legend, a read-out of
// the values at the pointer, and a text alternative for screen readers.
import { escapeHTML } from "./format.js";
import { formatNumber, formatTime, t } from "./i18n.js";

const WIDTH = 640, HEIGHT = 200, LEFT = 48, RIGHT = 8, TOP = 8, BOTTOM = 22;
const COLORS = ["#3385ff", "#55bc8a", "#f5a623", "#ca2621", "#8e44ad", "#00aa72", "#e0608a", "#79879c", "#1f6feb", "#b58900"];

const UNITS = { percent: " %", celsius: " °C", watts: " W", bytes: " B", bytes_per_second: " B/s" };

function niceMax(value, unit) {
  if (unit === "percent") return 100;
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}

function short(value) {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${formatNumber(value / 1e9, 1)}G`;
  if (abs >= 1e6) return `${formatNumber(value / 1e6, 1)}M`;
  if (abs >= 1e3) return `${formatNumber(value / 1e3, 1)}k`;
  return formatNumber(value, Number.isInteger(value) ? 0 : 1);
}

/** `series`: [{ label, unit, points: [[t, v|null], …] }] sharing one unit. Returns the chart's HTML. */
export function lineChart(title, series) {
  if (!series.length) return `<figure class="chart"><figcaption>${escapeHTML(title)}</figcaption><p class="unknown">${t("chart.noHistory")}</p></figure>`;
  const unit = series[0].unit;
  const times = series[0].points.map((point) => point[0]);
  const start = times[0], end = times[times.length - 1] || start + 1;
  const values = series.flatMap((s) => s.points.map((p) => p[1]).filter((v) => v !== null));
  const max = niceMax(values.length ? Math.max(...values) : 0, unit);
  const min = Math.min(0, ...values);
  const x = (time) => LEFT + ((time - start) / Math.max(1, end - start)) * (WIDTH - LEFT - RIGHT);
  const y = (v) => TOP + (1 - (v - min) / Math.max(1e-9, max - min)) * (HEIGHT - TOP - BOTTOM);
  const paths = series.map((s, index) => {
    let d = "", pen = false;
    for (const [time, v] of s.points) {
      if (v === null) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${x(time).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    // A lone point between gaps is drawn as a dot.
    return `<path d="${d}" class="series" stroke="${COLORS[index % COLORS.length]}" data-label="${escapeHTML(s.label)}"/>`;
  }).join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => min + f * (max - min));
  const grid = ticks.map((v) => `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(v)}" y2="${y(v)}" class="grid"/>` +
    `<text x="${LEFT - 4}" y="${y(v) + 4}" class="tick" text-anchor="end">${short(v)}</text>`).join("");
  const timeTicks = [0, 0.5, 1].map((f) => start + f * (end - start)).map((time, i) =>
    `<text x="${x(time)}" y="${HEIGHT - 6}" class="tick" text-anchor="${["start", "middle", "end"][i]}">${escapeHTML(formatTime(new Date(time * 1000), { hour: "2-digit", minute: "2-digit" }))}</text>`).join("");
  const latest = series.map((s) => { const last = [...s.points].reverse().find((p) => p[1] !== null); return `${s.label} ${last ? short(last[1]) + (UNITS[unit] || "") : t("chart.noData")}`; });
  const legend = series.map((s, index) => `<li><span class="swatch" data-color="${index % COLORS.length}"></span>${escapeHTML(s.label)}</li>`).join("");
  return `<figure class="chart" data-unit="${escapeHTML(unit)}">
    <figcaption>${escapeHTML(title)} <span class="unknown">(${escapeHTML((UNITS[unit] || unit).trim())})</span></figcaption>
    <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHTML(t("chart.latest", { title, values: latest.join(", ") }))}" data-start="${start}" data-end="${end}">
      ${grid}${timeTicks}${paths}<line class="cursor" x1="0" x2="0" y1="${TOP}" y2="${HEIGHT - BOTTOM}" visibility="hidden"/>
    </svg>
    <output class="readout" aria-live="off"></output>
    <ul class="legend">${legend}</ul>
  </figure>`;
}

/** Hover read-outs for every chart under `root`: the values of each series at the pointer's step. */
export function attachReadouts(root, seriesByChart) {
  root.querySelectorAll("figure.chart").forEach((figure, index) => {
    const svg = figure.querySelector("svg");
    const series = seriesByChart[index];
    if (!svg || !series || !series.length) return;
    const unit = UNITS[series[0].unit] || "";
    svg.addEventListener("pointermove", (event) => {
      const box = svg.getBoundingClientRect();
      const fraction = Math.min(1, Math.max(0, ((event.clientX - box.left) / box.width * WIDTH - LEFT) / (WIDTH - LEFT - RIGHT)));
      const points = series[0].points;
      const step = Math.round(fraction * (points.length - 1));
      const cursor = svg.querySelector(".cursor");
      cursor.setAttribute("x1", LEFT + fraction * (WIDTH - LEFT - RIGHT));
      cursor.setAttribute("x2", LEFT + fraction * (WIDTH - LEFT - RIGHT));
      cursor.setAttribute("visibility", "visible");
      const time = formatTime(new Date(points[step][0] * 1000));
      figure.querySelector(".readout").textContent = `${time}: ` + series.map((s) => {
        const value = s.points[step] && s.points[step][1];
        return `${s.label} ${value === null || value === undefined ? "—" : short(value) + unit}`;
      }).join(", ");
    });
    svg.addEventListener("pointerleave", () => {
      svg.querySelector(".cursor").setAttribute("visibility", "hidden");
      figure.querySelector(".readout").textContent = "";
    });
  });
}
