// The inventory view (#/inventory?jetpack=…): how many boards run each model, JetPack, L4T, driver and exporter, as bars
// whose values link to the boards that have them, the boards themselves one page at a time, and the fleet's recent
// changes. The server filters, counts and pages.
import { getJSON } from "./api.js";
import { eventList } from "./changes.js";
import { escapeHTML, text, when } from "./format.js";
import { formatNumber, t } from "./i18n.js";

export const FACETS = ["model", "jetpack", "l4t", "driver", "exporter"];
const LIMIT = 50;

/** The view's state from the URL hash's query: the facet filters and the page. */
export function inventoryStateFrom(query) {
  const state = { page: Math.max(1, parseInt(query.get("page") || "1", 10) || 1) };
  for (const facet of FACETS) state[facet] = query.get(facet) || "";
  return state;
}

/** The hash of `state`, defaults left out. */
export function inventoryHash(state) {
  const query = new URLSearchParams();
  for (const facet of FACETS) if (state[facet]) query.set(facet, state[facet]);
  if (state.page > 1) query.set("page", state.page);
  const text = query.toString();
  return text ? `#/inventory?${text}` : "#/inventory";
}

/** The API request of `state` (the same names), for JSON or CSV. */
export function inventoryRequest(state, format) {
  const query = new URLSearchParams();
  for (const facet of FACETS) if (state[facet]) query.set(facet, state[facet]);
  if (format === "csv") query.set("format", "csv");
  else { query.set("page", state.page); query.set("limit", LIMIT); }
  return `edge/inventory?${query}`;
}

/** A facet's values as bars, most boards first, each a link to the boards with that value. */
function facetBars(facet, counts, state) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const most = Math.max(1, ...entries.map((entry) => entry[1]));
  const rows = entries.map(([value, count]) => {
    const link = inventoryHash({ ...state, [facet]: value, page: 1 });
    const current = state[facet] === value ? ' aria-current="true"' : "";
    return `<li><a href="${escapeHTML(link)}" title="${escapeHTML(value)}"${current}>${escapeHTML(value)}</a>` +
      `<meter min="0" max="${most}" value="${count}" aria-label="${escapeHTML(value)}: ${count}"></meter><span class="num">${formatNumber(count)}</span></li>`;
  }).join("");
  return `<section class="card facet" data-facet="${facet}"><h3>${t(`inventory.facet.${facet}`)}</h3>` +
    (rows ? `<ul class="facet-bars">${rows}</ul>` : `<p class="unknown">${t("value.noneReported")}</p>`) + `</section>`;
}

export class InventoryView {
  constructor(root, navigate) {
    this.root = root;
    this.navigate = navigate;
    root.innerHTML = `
      <section aria-labelledby="inventory-title">
        <div class="toolbar">
          <h2 id="inventory-title">${t("inventory.title")} <span class="unknown" id="inventory-count"></span></h2>
          <p class="filtered"></p>
          <a class="csv" download>${t("changes.csv")}</a>
        </div>
        <div class="cards facets"></div>
      </section>
      <section><div class="scroll"><table class="inventory">
        <thead><tr>${[t("fleet.column.node"), t("fleet.column.exporter"), t("board.model"), t("board.module"), t("board.serial"), t("board.jetpack"),
          t("board.l4t"), t("board.driver"), t("board.powerMode"), t("inventory.gpus"), t("board.firstSeen"), t("board.lastSeen")]
          .map((label) => `<th scope="col">${label}</th>`).join("")}</tr></thead><tbody></tbody></table></div>
        <nav class="pager" aria-label="${t("fleet.pages")}"><button type="button" data-page="-1">${t("fleet.previous")}</button><span class="pages"></span><button type="button" data-page="1">${t("fleet.next")}</button></nav>
      </section>
      <section aria-labelledby="recent-title"><h3 id="recent-title">${t("inventory.recent")}</h3><div class="recent"></div></section>`;
    root.querySelector(".pager").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-page]");
      if (button && !button.disabled) this.navigate(inventoryHash({ ...this.state, page: this.state.page + Number(button.dataset.page) }));
    });
  }

  show(state) {
    this.state = state;
    return this.refresh();
  }

  async refresh() {
    const state = this.state;
    const [list, recent] = await Promise.all([getJSON(inventoryRequest(state)), getJSON("edge/events?limit=10")]);
    if (state !== this.state) return;
    const root = this.root;
    root.querySelector("#inventory-count").textContent = t.count("inventory.count", list.totalItems);
    const filters = FACETS.filter((facet) => state[facet]).map((facet) => `${t(`inventory.facet.${facet}`)} = ${state[facet]}`);
    root.querySelector(".filtered").innerHTML = filters.length
      ? `${escapeHTML(t("inventory.filtered", { filters: filters.join(", ") }))} <a href="#/inventory">${t("inventory.clear")}</a>` : "";
    root.querySelector(".csv").setAttribute("href", inventoryRequest(state, "csv"));
    root.querySelector(".facets").innerHTML = FACETS.map((facet) => facetBars(facet, list.facets[facet], state)).join("");
    const pages = Math.max(1, Math.ceil(list.totalItems / LIMIT));
    root.querySelector(".pages").textContent = t("fleet.page", { page: Math.min(state.page, pages), pages });
    root.querySelector('[data-page="-1"]').disabled = state.page <= 1;
    root.querySelector('[data-page="1"]').disabled = state.page >= pages;
    root.querySelector("tbody").innerHTML = list.items.map((board) => `
      <tr data-node="${escapeHTML(board.node)}">
        <th scope="row"><a href="#/nodes/${encodeURIComponent(board.node)}">${escapeHTML(board.node)}</a></th>
        <td>${escapeHTML(board.exporter)}</td><td>${text(board.model)}</td><td>${text(board.module)}</td><td>${text(board.serialNumber)}</td>
        <td>${text(board.jetpack)}</td><td>${text(board.l4t)}</td><td>${text(board.driverVersion)}</td><td>${text(board.nvpmode)}</td>
        <td>${board.gpus.length ? board.gpus.map((gpu) => `${gpu.index}: ${text(gpu.name)}`).join("<br>") : text(null)}</td>
        <td>${when(board.firstSeen)}</td><td>${when(board.lastSeen)}</td>
      </tr>`).join("") || `<tr><td colspan="12" class="unknown">${t("fleet.noMatch")}</td></tr>`;
    root.querySelector(".recent").innerHTML = eventList(recent.items, { withNode: true });
    return list;
  }
}
