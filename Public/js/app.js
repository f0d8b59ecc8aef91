// The operator page: a hash router between the fleet (#/?…) and a node (#/nodes/<name>), summary counters, and a
// banner when the data is stale or the server cannot be reached. Every URL is relative, so the page works under the
// console's prefix (/proxy/ks-edge-gpu/), and in the console's language (?lang=).
import { getJSON } from "./api.js";
import { FleetView, stateFrom } from "./fleet.js";
import { age, escapeHTML, number } from "./format.js";
import { formatTime, t, translateStatic } from "./i18n.js";
import { InventoryView, inventoryStateFrom } from "./inventory.js";
import { NodeView } from "./node.js";

translateStatic();

const REFRESH = 5000; // ks-console's period

const fleetRoot = document.querySelector("#fleet-view");
const nodeRoot = document.querySelector("#node-view");
const inventoryRoot = document.querySelector("#inventory-view");
const banner = document.querySelector("#banner");
let lastGood = null;

const navigate = (hash) => { if (location.hash !== hash) location.hash = hash; else route(); };
const fleet = new FleetView(fleetRoot, navigate);
const inventory = new InventoryView(inventoryRoot, navigate);
let shown = null; // the node view's snapshot, whose age the banner keeps current
const node = new NodeView(nodeRoot, {
  onData: (snapshot) => {
    succeeded();
    shown = snapshot;
    warnIfNotOnline();
  },
  onProblem: (error) => failed(error),
});

function warnIfNotOnline() {
  if (!shown || nodeRoot.hidden || shown.status === "online") return;
  const old = shown.observedAt ? (Date.now() - Date.parse(shown.observedAt)) / 1000 : null;
  const status = t(`status.${shown.status}`);
  warn(old === null ? t("banner.notOnlineUnknownAge", { node: shown.node, status })
    : t("banner.notOnline", { node: shown.node, status, age: age(old) }));
}

function succeeded() {
  lastGood = Date.now();
  banner.hidden = true;
  document.querySelector("#updated").textContent = t("page.updated", { time: formatTime(new Date()) });
}

function warn(message) {
  banner.textContent = message;
  banner.className = "banner warn";
  banner.hidden = false;
}

function failed(error) {
  banner.textContent = lastGood ? t("banner.failedDataAge", { message: error.message, age: age((Date.now() - lastGood) / 1000) })
    : t("banner.failed", { message: error.message });
  banner.className = "banner error";
  banner.hidden = false;
}

/** #/nodes/<name>?range=…, #/inventory?<facets> or #/?<fleet state>. */
function parseHash() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = hash.split("?");
  if (path === "/inventory") return { view: "inventory", query: new URLSearchParams(query) };
  const match = path.match(/^\/nodes\/([^/]+)$/);
  // The page before this version linked #node=<name>.
  const legacy = new URLSearchParams(hash).get("node");
  if (match || legacy) return { view: "node", node: decodeURIComponent(match ? match[1] : legacy), query: new URLSearchParams(query) };
  return { view: "fleet", query: new URLSearchParams(query) };
}

async function route() {
  const target = parseHash();
  fleetRoot.hidden = target.view !== "fleet";
  nodeRoot.hidden = target.view !== "node";
  inventoryRoot.hidden = target.view !== "inventory";
  if (target.view === "node") {
    node.show(target.node, target.query.get("range") || "1h");
    document.title = t("page.nodeTitle", { node: target.node });
  } else if (target.view === "inventory") {
    node.leave();
    shown = null;
    document.title = t("page.inventoryTitle");
    try { await inventory.show(inventoryStateFrom(target.query)); succeeded(); } catch (error) { failed(error); }
  } else {
    node.leave();
    shown = null;
    document.title = t("page.title");
    try { await fleet.show(stateFrom(target.query)); succeeded(); } catch (error) { failed(error); }
  }
}

async function refreshSummary() {
  try {
    const s = await getJSON("edge/summary");
    const hottest = s.hottestGPU ? `${number(s.hottestGPU.celsius, " °C")} <a href="#/nodes/${encodeURIComponent(s.hottestGPU.node)}">${escapeHTML(s.hottestGPU.node)}</a>` : "—";
    document.querySelector("#summary").innerHTML = `
      <div><dt>${t("summary.online")}</dt><dd><a href="#/?status=online">${s.nodes.online}</a></dd></div>
      <div><dt>${t("summary.stale")}</dt><dd><a href="#/?status=stale">${s.nodes.stale}</a></dd></div>
      <div><dt>${t("summary.offline")}</dt><dd><a href="#/?status=offline">${s.nodes.offline}</a></dd></div>
      <div><dt>${t("summary.attention")}</dt><dd><a href="#/?health=warning,critical&amp;sortBy=health">${s.health.warning + s.health.critical}</a></dd></div>
      <div><dt>${t("summary.meanLoad")}</dt><dd>${number(s.meanGPUUtilizationPercent, " %")}</dd></div>
      <div><dt>${t("summary.hottest")}</dt><dd>${hottest}</dd></div>
      <div><dt>${t("summary.power")}</dt><dd>${number(s.totalPowerWatts, " W", 0)}<span class="unknown"> ${t.count("summary.nodesWithPower", s.nodesWithPower)}</span></dd></div>`;
  } catch (error) {
    failed(error);
  }
}

window.addEventListener("hashchange", route);
route();
refreshSummary();
// The fleet and the counters refresh every 5 s; the node view is live on its own. Hidden tabs skip the work.
setInterval(() => {
  if (document.hidden) return;
  refreshSummary();
  if (banner.classList.contains("warn")) warnIfNotOnline();
  if (!fleetRoot.hidden) fleet.refresh().then(succeeded, failed);
  if (!inventoryRoot.hidden) inventory.refresh().then(succeeded, failed);
}, REFRESH);
