// The board ledger's events in the page's words: a node's "Changes" card and the inventory's recent changes.
import { escapeHTML, known, when } from "./format.js";
import { t } from "./i18n.js";

/** A problem an event opened or closed, as the page names it: "GPU 1: XID error", "gpu: board hot". */
function problemName(event) {
  const code = event.new ?? event.old;
  const where = event.sensor ?? (known(event.gpu) ? `GPU ${event.gpu}` : null);
  const name = t(`code.${code}`);
  return where ? `${where}: ${name}` : name;
}

/** One event's line: its time, then what changed. */
export function eventText(event) {
  const value = (v) => (known(v) ? v : "—");
  const problem = event.kind === "problem_opened" || event.kind === "problem_closed" ? problemName(event) : "";
  return t(`event.${event.kind}`, { old: value(event.old), new: value(event.new), gpu: value(event.gpu), problem });
}

/** Events newest first, each with its time and node (when `withNode`), or a line saying there are none. */
export function eventList(events, { withNode = false } = {}) {
  if (!events.length) return `<p class="unknown">${t("changes.none")}</p>`;
  return `<ol class="events">${events.map((event) => `<li class="event" data-kind="${escapeHTML(event.kind)}">` +
    `<time datetime="${escapeHTML(event.observedAt)}">${when(event.observedAt)}</time>` +
    (withNode ? ` <a href="#/nodes/${encodeURIComponent(event.node)}">${escapeHTML(event.node)}</a>` : "") +
    ` <span class="what">${escapeHTML(eventText(event))}</span>` +
    (event.severity ? ` <span class="health-badge ${escapeHTML(event.severity)}">${escapeHTML(t(`health.${event.severity}`))}</span>` : "") +
    `</li>`).join("")}</ol>`;
}
