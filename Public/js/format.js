// Formatting shared by the views. Unknown values are null in the API and shown as "—", never as 0.

export const UNKNOWN = '<span class="unknown" title="unknown">—</span>';

export function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const known = (value) => value !== null && value !== undefined && value !== "";

export const text = (value) => (known(value) ? escapeHTML(value) : UNKNOWN);

export function number(value, unit, digits = 1) {
  return known(value) ? `${Number(value).toFixed(digits)}${unit}` : UNKNOWN;
}

export function bytes(value) {
  if (!known(value)) return UNKNOWN;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let index = 0;
  while (value >= 1024 && index < units.length - 1) { value /= 1024; index++; }
  return `${value.toFixed(index ? 1 : 0)} ${units[index]}`;
}

export const rate = (value) => (known(value) ? `${bytes(value)}/s` : UNKNOWN);

export const when = (value) => (value ? escapeHTML(new Date(value).toLocaleString()) : UNKNOWN);

/** "12 s", "4 min", "3 h", "2 d": how old a time is. */
export function age(seconds) {
  if (!known(seconds)) return "—";
  const s = Math.max(0, seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

export const duration = (seconds) => (known(seconds) ? age(seconds) : UNKNOWN);

export const status = (value) => `<span class="status ${escapeHTML(value)}">${escapeHTML(value)}</span>`;

/** A bar for a 0-100 value, with the value as text beside it (a <meter> needs no inline style). */
export function percentBar(value, label) {
  if (!known(value)) return `<span class="bar">${label ? `<span class="label">${escapeHTML(label)}</span>` : ""}${UNKNOWN}</span>`;
  const clamped = Math.min(100, Math.max(0, value));
  return `<span class="bar">${label ? `<span class="label">${escapeHTML(label)}</span>` : ""}` +
    `<meter min="0" max="100" low="60" high="85" optimum="0" value="${clamped}" aria-label="${escapeHTML(label || "")} ${clamped.toFixed(1)} %"></meter>` +
    `<span class="value">${clamped.toFixed(1)} %</span></span>`;
}
