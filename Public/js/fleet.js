// The fleet view (#/?q=…&status=…&sortBy=…): the server filters, sorts and pages; the page asks for one page only.
import { getJSON } from "./api.js";
import { escapeHTML, healthBadge, number, status, text, when } from "./format.js";
import { t } from "./i18n.js";

const COLUMNS = [
  ["node", "node"], [null, "status"], ["health", "health"], [null, "exporter"], [null, "model"],
  ["gpuUtilizationPercent", "gpuLoad", "num"], ["gpuTemperatureCelsius", "gpuTemperature", "num"], ["powerWatts", "power", "num"],
  ["memoryUtilizationPercent", "ram", "num"], ["lastSeen", "lastSeen"],
];
const STATUSES = ["online", "stale", "offline"];
const EXPORTERS = ["jetson", "dcgm", "nvidia-smi"];
const FILTERS = ["q", "status", "health", "exporter", "model"];
/** The health filter's choices: the API's values, the first being what needs attention. */
const HEALTH_CHOICES = [["warning,critical", "fleet.needsAttention"], ["critical", "health.critical"], ["ok", "health.ok"]];
export const DEFAULT_LIMIT = 20;

/** The view's state from the URL hash's query. */
export function stateFrom(query) {
  const state = {
    q: query.get("q") || "", status: query.get("status") || "", health: query.get("health") || "", exporter: query.get("exporter") || "",
    model: query.get("model") || "", sortBy: query.get("sortBy") || "node", ascending: query.get("ascending"),
    page: Math.max(1, parseInt(query.get("page") || "1", 10) || 1),
    limit: Math.min(500, Math.max(1, parseInt(query.get("limit") || String(DEFAULT_LIMIT), 10) || DEFAULT_LIMIT)),
  };
  return state;
}

/** The hash that holds `state` (defaults left out), so a view can be shared and survives a reload. */
export function hashOf(state) {
  const query = new URLSearchParams();
  for (const key of FILTERS) if (state[key]) query.set(key, state[key]);
  if (state.sortBy && state.sortBy !== "node") query.set("sortBy", state.sortBy);
  if (state.ascending !== null && state.ascending !== undefined && state.ascending !== "") query.set("ascending", state.ascending);
  if (state.page > 1) query.set("page", state.page);
  if (state.limit !== DEFAULT_LIMIT) query.set("limit", state.limit);
  const text = query.toString();
  return text ? `#/?${text}` : "#/";
}

/** The API request for `state`: the same names as the hash, which are the API's. */
function requestOf(state) {
  const query = new URLSearchParams();
  for (const key of FILTERS) if (state[key]) query.set(key, state[key]);
  query.set("sortBy", state.sortBy);
  if (state.ascending) query.set("ascending", state.ascending);
  query.set("page", state.page);
  query.set("limit", state.limit);
  return `edge/nodes?${query}`;
}

export class FleetView {
  constructor(root, navigate) {
    this.root = root;
    this.navigate = navigate;
    this.lastRows = "";
    root.innerHTML = `
      <section aria-labelledby="fleet-title">
        <div class="toolbar">
          <h2 id="fleet-title">${t("fleet.title")} <span class="unknown" id="fleet-count"></span></h2>
          <form class="filters" role="search">
            <label>${t("fleet.search")} <input type="search" name="q" placeholder="${t("fleet.searchPlaceholder")}" autocomplete="off"></label>
            <label>${t("fleet.status")} <select name="status"><option value="">${t("fleet.any")}</option>${STATUSES.map((s) => `<option value="${s}">${t(`status.${s}`)}</option>`).join("")}</select></label>
            <label>${t("fleet.health")} <select name="health"><option value="">${t("fleet.any")}</option>${HEALTH_CHOICES.map(([value, key]) => `<option value="${value}">${t(key)}</option>`).join("")}</select></label>
            <label>${t("fleet.exporter")} <select name="exporter"><option value="">${t("fleet.any")}</option>${EXPORTERS.map((e) => `<option>${e}</option>`).join("")}</select></label>
            <label>${t("fleet.model")} <input type="search" name="model" placeholder="${t("fleet.modelPlaceholder")}" autocomplete="off"></label>
            <label>${t("fleet.rows")} <select name="limit"><option>10</option><option>20</option><option>50</option><option>100</option></select></label>
          </form>
        </div>
        <div class="scroll"><table class="fleet">
          <thead><tr>${COLUMNS.map(([key, name, kind]) => [key, t(`fleet.column.${name}`), kind]).map(([key, label, kind]) => `<th scope="col" class="${kind || ""}"${key ? ` data-sort="${key}"` : ""}>${key
            ? `<button type="button" class="sort" data-sort="${key}">${label}<span class="arrow" aria-hidden="true"></span></button>` : label}</th>`).join("")}</tr></thead>
          <tbody></tbody>
        </table></div>
        <nav class="pager" aria-label="${t("fleet.pages")}"><button type="button" data-page="-1">${t("fleet.previous")}</button><span class="pages"></span><button type="button" data-page="1">${t("fleet.next")}</button></nav>
      </section>`;
    this.form = root.querySelector("form");
    this.form.addEventListener("input", (event) => this.filterChanged(event));
    this.form.addEventListener("submit", (event) => event.preventDefault());
    root.querySelector("thead").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-sort]");
      if (button) this.sortBy(button.dataset.sort);
    });
    root.querySelector(".pager").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-page]");
      if (button && !button.disabled) this.go({ page: this.state.page + Number(button.dataset.page) });
    });
  }

  /** Shows `state` (from the hash); the controls follow it unless the user is typing in one. */
  show(state) {
    this.state = state;
    for (const name of [...FILTERS, "limit"]) {
      const control = this.form.elements[name];
      if (control && document.activeElement !== control) control.value = String(state[name] ?? "");
    }
    for (const header of this.root.querySelectorAll("th[data-sort]")) {
      const sorted = header.dataset.sort === state.sortBy;
      const ascending = state.ascending ? state.ascending === "true" : state.sortBy === "node";
      header.setAttribute("aria-sort", sorted ? (ascending ? "ascending" : "descending") : "none");
      header.querySelector(".arrow").textContent = sorted ? (ascending ? " ▲" : " ▼") : "";
    }
    return this.refresh();
  }

  go(changes) { this.navigate(hashOf({ ...this.state, ...changes })); }

  filterChanged(event) {
    const name = event.target.name;
    clearTimeout(this.typing);
    // Typing waits a moment; choices apply at once. Any change goes back to page 1.
    const apply = () => this.go({ [name]: name === "limit" ? Number(event.target.value) : event.target.value, page: 1 });
    if (event.target.type === "search") this.typing = setTimeout(apply, 300); else apply();
  }

  sortBy(key) {
    const ascendingNow = this.state.ascending ? this.state.ascending === "true" : this.state.sortBy === "node";
    const ascending = key === this.state.sortBy ? String(!ascendingNow) : "";
    this.go({ sortBy: key, ascending, page: 1 });
  }

  /** Fetches the page of rows; throws the API's error for the banner. */
  async refresh() {
    const state = this.state;
    const fleet = await getJSON(requestOf(state));
    if (state !== this.state) return; // a newer view was asked for meanwhile
    const pages = Math.max(1, Math.ceil(fleet.totalItems / state.limit));
    this.root.querySelector("#fleet-count").textContent = t.count("fleet.count", fleet.totalItems);
    this.root.querySelector(".pages").textContent = t("fleet.page", { page: Math.min(state.page, pages), pages });
    this.root.querySelector('[data-page="-1"]').disabled = state.page <= 1;
    this.root.querySelector('[data-page="1"]').disabled = state.page >= pages;
    const rows = fleet.items.map((item) => `
      <tr data-node="${escapeHTML(item.node)}">
        <th scope="row"><a href="#/nodes/${encodeURIComponent(item.node)}">${escapeHTML(item.node)}</a></th>
        <td>${status(item.status)}</td><td>${healthBadge(item.health)}${item.problems ? ` <span class="unknown">${item.problems}</span>` : ""}</td>
        <td>${text(item.exporter)}</td><td>${text(item.model)}</td>
        <td class="num">${number(item.gpuUtilizationPercent, " %")}</td><td class="num">${number(item.gpuTemperatureCelsius, " °C")}</td>
        <td class="num">${number(item.powerWatts, " W", 2)}</td><td class="num">${number(item.memoryUtilizationPercent, " %")}</td>
        <td>${when(item.lastSeen)}</td>
      </tr>`).join("") || `<tr><td colspan="${COLUMNS.length}" class="unknown">${t("fleet.noMatch")}</td></tr>`;
    // Unchanged rows are left alone: no flicker, and a focused link keeps its focus.
    if (rows !== this.lastRows) {
      this.root.querySelector("tbody").innerHTML = rows;
      this.lastRows = rows;
    }
    return fleet;
  }
}
