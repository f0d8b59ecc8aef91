// Formatting shared by the views, in the page's language. Unknown values are null in the API and shown as "—", never
// as 0.
import { formatDateTime, formatNumber, t } from "./i18n.js";

export const UNKNOWN = `<span class="unknown" title="${t("value.unknown")}">—</span>`;

export function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export const known = (value) => value !== null && value !== undefined && value !== "";

export const text = (value) => (known(value) ? escapeHTML(value) : UNKNOWN);

/** `value` with `digits` decimals and its unit, or the unknown dash. */
export function number(value, unit, digits = 1) {
  return known(value) ? `${formatNumber(Number(value), digits)}${unit}` : UNKNOWN;
}

/** Bytes in binary units ("3.6 GiB"), as text; `null` when unknown. */
export function bytesText(value) {
  if (!known(value)) return null;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let index = 0;
  while (value >= 1024 && index < units.length - 1) { value /= 1024; index++; }
  return `${formatNumber(value, index ? 1 : 0)} ${units[index]}`;
}

export const bytes = (value) => bytesText(value) ?? UNKNOWN;

export const rate = (value) => (known(value) ? `${bytesText(value)}/s` : UNKNOWN);

export const when = (value) => (value ? escapeHTML(formatDateTime(new Date(value))) : UNKNOWN);

/** "12 s", "4 min", "3 h", "2 d" (or the language's words): how old a time is. */
export function age(seconds) {
  if (!known(seconds)) return "—";
  const s = Math.max(0, seconds);
  if (s < 90) return t("age.seconds", { n: Math.round(s) });
  if (s < 5400) return t("age.minutes", { n: Math.round(s / 60) });
  if (s < 172800) return t("age.hours", { n: Math.round(s / 3600) });
  return t("age.days", { n: Math.round(s / 86400) });
}

export const duration = (seconds) => (known(seconds) ? age(seconds) : UNKNOWN);

/** A status badge: the class is the API's value, the text the language's word for it. */
export const status = (value) => `<span class="status ${escapeHTML(value)}">${escapeHTML(t(`status.${value}`))}</span>`;

/** A health badge: the class is the API's status (ok, info, warning, critical), the text the language's word. */
export const healthBadge = (value) => `<span class="health-badge ${escapeHTML(value)}">${escapeHTML(t(`health.${value}`))}</span>`;

/** One problem in the page's words, from its code and values (the API's `message` is English). */
export function problemText(problem) {
  const value = problem.value === null ? "?" : formatNumber(problem.value, Number.isInteger(problem.value) ? 0 : 1);
  return t(`problem.${problem.code}`, { gpu: problem.gpu ?? "?", sensor: problem.sensor ?? "?", value });
}

/** A node's problems, worst first, each with its severity; then what cannot be told. */
export function problemList(health) {
  const items = health.problems.map((problem) => `<li class="problem ${escapeHTML(problem.severity)}" data-code="${escapeHTML(problem.code)}">` +
    `${healthBadge(problem.severity)} ${escapeHTML(problemText(problem))}</li>`).join("");
  const unknown = health.unknown.length
    ? `<p class="unknown">${escapeHTML(t("health.unknown", { problems: health.unknown.map((code) => t(`code.${code}`)).join(", ") }))}</p>` : "";
  return (items ? `<ul class="problem-list">${items}</ul>` : `<p>${t("health.none")}</p>`) + unknown;
}

/** A bar for a 0-100 value, with the value as text beside it (a <meter> needs no inline style). */
export function percentBar(value, label) {
  const caption = label ? `<span class="label">${escapeHTML(label)}</span>` : "";
  if (!known(value)) return `<span class="bar">${caption}${UNKNOWN}</span>`;
  const clamped = Math.min(100, Math.max(0, value));
  const shown = `${formatNumber(clamped, 1)} %`;
  return `<span class="bar">${caption}` +
    `<meter min="0" max="100" low="60" high="85" optimum="0" value="${clamped}" aria-label="${escapeHTML(label || "")} ${shown}"></meter>` +
    `<span class="value">${shown}</span></span>`;
}
