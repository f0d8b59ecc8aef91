// The node view (#/nodes/<name>?range=1h): the snapshot, live over Server-Sent Events (polling when the stream cannot
// open), and history charts drawn from one history request.
import { getJSON, nodePath } from "./api.js";
import { eventList } from "./changes.js";
import { attachReadouts, lineChart } from "./chart.js";
import { UNKNOWN, bytes, duration, escapeHTML, healthBadge, number, percentBar, problemList, rate, status, text, when } from "./format.js";
import { t } from "./i18n.js";
import { boardRows, hostCoverage, reportsCores, reportsTemperatures } from "./sources.js";

export const RANGES = { "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800 };
/** About one point per two pixels of a chart. */
const POINTS = 320;
/** The changes the node view lists. */
const CHANGES = 20;

const CHARTS = [
  ["chart.gpuUtilization", "gpu_utilization", (l) => (l.mig_instance ? t("chart.gpuMIG", { gpu: l.gpu, instance: l.mig_instance }) : t("chart.gpu", { gpu: l.gpu }))],
  ["chart.temperatures", "board_temperature", (l) => l.sensor],
  ["chart.power", "board_power", (l) => l.rail],
  ["chart.cpuCores", "cpu_utilization", (l) => t("cpu.core", { core: l.core })],
  ["chart.ram", "memory_utilization", () => t("chart.ramSeries")],
  ["chart.network", "network", (l) => (l.direction === "receive" ? t("chart.receive") : l.direction === "transmit" ? t("chart.transmit") : l.direction)],
];
const BOARD_LABELS = {
  model: "board.model", jetpack: "board.jetpack", l4t: "board.l4t", soc: "board.soc", module: "board.module",
  serial: "board.serial", powerMode: "board.powerMode", driver: "board.driver", fan: "board.fan",
};
/** A range's label in the page's words ("15 min", "24 h", "7 d"), as the ages it shows elsewhere. */
const rangeLabel = (seconds) => (seconds >= 604800 && seconds % 86400 === 0 ? t("age.days", { n: seconds / 86400 })
  : seconds % 3600 === 0 ? t("age.hours", { n: seconds / 3600 }) : t("age.minutes", { n: seconds / 60 }));
const note = (key) => `<p class="unknown source-note">${t(key)}</p>`;

export class NodeView {
  constructor(root, { onData, onProblem }) {
    this.root = root;
    this.onData = onData;
    this.onProblem = onProblem;
  }

  /** Shows `node` over `range`; a new node or range restarts the live feed and the charts. */
  show(node, range) {
    const changed = node !== this.node;
    if (changed || range !== this.range) {
      this.stop();
      this.node = node;
      this.range = RANGES[range] ? range : "1h";
      if (changed) this.renderFrame();
      this.root.querySelectorAll(".ranges a").forEach((link) => link.setAttribute("aria-current", link.dataset.range === this.range ? "true" : "false"));
      this.start();
    }
  }

  renderFrame() {
    const name = encodeURIComponent(this.node);
    this.root.innerHTML = `
      <nav class="crumbs"><a href="#/">${t("node.fleet")}</a> › <span>${escapeHTML(this.node)}</span></nav>
      <section class="node-head"><h2>${escapeHTML(this.node)} <span class="node-status"></span> <span class="node-health"></span> <span class="live" data-live="polling">${t("node.polling")}</span></h2><p class="observed unknown"></p></section>
      <section class="card wide health" aria-labelledby="health-title"><h3 id="health-title">${t("health.title")}</h3><div class="problems"></div></section>
      <div class="cards">
        <section class="card"><h3>${t("node.board")}</h3><dl class="board"></dl></section>
        <section class="card"><h3>${t("node.gpus")}</h3><div class="gpus"></div></section>
        <section class="card"><h3>${t("node.host")}</h3><div class="host"></div></section>
        <section class="card"><h3>${t("node.temperatures")}</h3><div class="temperatures"></div></section>
        <section class="card"><h3>${t("node.power")}</h3><table class="power"><tbody></tbody></table></section>
        <section class="card"><h3>${t("node.cpuCores")}</h3><div class="cores"></div></section>
      </div>
      <section class="card wide"><h3>${t("node.processes")}</h3><div class="scroll"><table class="processes">
        <thead><tr>${["pid", "name", "namespace", "gpu", "user"].map((key) => `<th scope="col">${t(`process.${key}`)}</th>`).join("")}
        ${["cpu", "memory", "gpuMemory"].map((key) => `<th scope="col" class="num">${t(`process.${key}`)}</th>`).join("")}</tr></thead><tbody></tbody></table></div></section>
      <section class="card wide changes" aria-labelledby="changes-title">
        <div class="toolbar"><h3 id="changes-title">${t("changes.title")}</h3><a class="csv" download href="edge/nodes/${name}/events?format=csv">${t("changes.csv")}</a></div>
        <div class="events-list"><p class="unknown">${t("page.loading")}</p></div>
      </section>
      <section class="card wide history" aria-labelledby="history-title">
        <div class="toolbar"><h3 id="history-title">${t("node.history")}</h3>
          <nav class="ranges" aria-label="${t("node.range")}">${Object.keys(RANGES).map((r) => `<a href="#/nodes/${name}?range=${r}" data-range="${r}">${rangeLabel(RANGES[r])}</a>`).join("")}</nav></div>
        <div class="charts"><p class="unknown">${t("page.loading")}</p></div>
      </section>`;
  }

  start() {
    const generation = (this.generation = (this.generation || 0) + 1);
    this.loadHistory(generation);
    this.loadChanges(generation);
    this.historyTimer = setInterval(() => { this.loadHistory(generation); this.loadChanges(generation); }, 60_000);
    this.listen(generation);
  }

  /** Off screen: nothing runs, and coming back to the same node starts afresh. */
  leave() {
    this.stop();
    this.node = null;
  }

  stop() {
    clearInterval(this.historyTimer);
    clearInterval(this.pollTimer);
    if (this.events) this.events.close();
    this.events = null;
    this.generation = (this.generation || 0) + 1;
  }

  /** The stream when it opens; polling every 5 s while it cannot. */
  listen(generation) {
    const poll = async () => {
      try {
        const snapshot = await getJSON(nodePath(this.node));
        if (generation === this.generation) this.render(snapshot);
      } catch (error) {
        if (generation === this.generation) this.onProblem(error);
      }
    };
    poll();
    if (!("EventSource" in window)) { this.pollTimer = setInterval(poll, 5000); return; }
    const events = new EventSource(`${nodePath(this.node)}/stream`);
    this.events = events;
    const live = (mode) => {
      const badge = this.root.querySelector(".live");
      if (badge) { badge.dataset.live = mode; badge.textContent = t(mode === "stream" ? "node.live" : "node.polling"); }
    };
    events.addEventListener("snapshot", (event) => {
      if (generation !== this.generation) return;
      clearInterval(this.pollTimer);
      this.pollTimer = null;
      live("stream");
      this.render(JSON.parse(event.data));
    });
    events.addEventListener("error", () => {
      // The browser retries by itself (retry: 5 s); meanwhile the page polls.
      if (generation !== this.generation) return;
      live("polling");
      if (!this.pollTimer) this.pollTimer = setInterval(poll, 5000);
    });
  }

  render(node) {
    const root = this.root;
    this.onData(node);
    root.querySelector(".node-status").innerHTML = status(node.status);
    root.querySelector(".node-health").innerHTML = healthBadge(node.health.status);
    root.querySelector(".problems").innerHTML = problemList(node.health);
    const observed = root.querySelector(".observed");
    observed.dataset.observedAt = node.observedAt || "";
    observed.innerHTML = t("node.observed", { time: when(node.observedAt), uptime: duration(node.uptimeSeconds), sources: node.sources.map(escapeHTML).join(" + ") });
    const board = node.board;
    const values = {
      model: board.model, jetpack: board.jetpack, l4t: board.l4t, soc: board.soc, module: board.module, serial: board.serialNumber,
      powerMode: board.nvpmode, driver: board.driverVersion, fan: node.fanPercent === null ? null : `${number(node.fanPercent, " %", 0)}`,
    };
    root.querySelector(".board").innerHTML = boardRows(node.exporter, values)
      .map((row) => `<dt>${t(BOARD_LABELS[row])}</dt><dd>${row === "fan" ? (values.fan ?? UNKNOWN) : text(values[row])}</dd>`)
      .concat([`<dt>${t("board.firstSeen")}</dt><dd>${when(board.firstSeen)}</dd>`, `<dt>${t("board.lastSeen")}</dt><dd>${when(board.lastSeen)}</dd>`]).join("");
    // MIG instances are listed under their GPU.
    const byGPU = new Map();
    for (const gpu of node.gpus) byGPU.set(gpu.index, [...(byGPU.get(gpu.index) || []), gpu]);
    root.querySelector(".gpus").innerHTML = [...byGPU.values()].map((entries) => {
      const gpu = entries[0];
      const parts = entries.map((entry) => `
        ${entry.migProfile ? `<h4>MIG ${escapeHTML(entry.migProfile)} #${text(entry.migInstanceId)}</h4>` : ""}
        ${percentBar(entry.utilizationPercent, t("gpu.load"))}
        <dl><dt>${t("gpu.temperature")}</dt><dd>${number(entry.temperatureCelsius, " °C")}</dd><dt>${t("gpu.power")}</dt><dd>${number(entry.powerWatts, " W", 2)}</dd>
        <dt>${t("gpu.memory")}</dt><dd>${t("gpu.memoryOf", { used: bytes(entry.memoryUsedBytes), total: bytes(entry.memoryTotalBytes) })}</dd></dl>`).join("");
      return `<div class="gpu"><h4>${t("gpu.title", { index: gpu.index, name: text(gpu.name) })}</h4>${gpu.uuid ? `<p class="unknown uuid">${escapeHTML(gpu.uuid)}</p>` : ""}${parts}</div>`;
    }).join("") || `<p class="unknown">${t("value.noneReported")}</p>`;
    root.querySelector(".host").innerHTML = this.hostFacts(node);
    const rows = (selector, html) => { root.querySelector(`${selector} tbody`).innerHTML = html.join("") || `<tr><td class="unknown">${t("value.noneReported")}</td></tr>`; };
    const temperatures = node.temperatures.map((s) => `<tr><th scope="row">${escapeHTML(s.sensor)}</th><td class="num">${number(s.celsius, " °C")}</td></tr>`)
      .concat(node.offlineSensors.map((s) => `<tr><th scope="row">${escapeHTML(s)}</th><td class="num unknown">${t("value.offline")}</td></tr>`));
    root.querySelector(".temperatures").innerHTML = reportsTemperatures(node)
      ? `<table><tbody>${temperatures.join("") || `<tr><td class="unknown">${t("value.noneReported")}</td></tr>`}</tbody></table>` : note("source.temperatures");
    const notMeasured = `<span class="unknown">${t("value.notMeasured")}</span>`;
    rows(".power", node.power.rails.map((r) => `<tr><th scope="row">${escapeHTML(r.rail)}</th><td class="num">${r.watts === null ? notMeasured : number(r.watts, " W", 2)}</td></tr>`)
      .concat([`<tr><th scope="row">${t(node.exporter === "jetson" ? "power.boardInput" : "power.allGPUs")}</th><td class="num">${node.power.totalWatts === null ? notMeasured : number(node.power.totalWatts, " W", 2)}</td></tr>`]));
    root.querySelector(".cores").innerHTML = reportsCores(node)
      ? node.cpu.cores.map((core) => percentBar(core.utilizationPercent, t("cpu.core", { core: core.core }))).join("")
        + `<p>${t("cpu.average", { value: number(node.cpu.averagePercent, " %") })}</p>`
      : note("source.cpu");
    rows(".processes", node.processes.map((p) => `<tr><td>${text(p.pid)}</td><td>${text(p.name)}</td>
      <td>${p.namespace ? escapeHTML(p.namespace) + (p.container ? " / " + escapeHTML(p.container) : "") : UNKNOWN}</td>
      <td>${text(p.gpuIndex)}</td><td>${text(p.user)}</td><td class="num">${number(p.cpuPercent, " %", 2)}</td>
      <td class="num">${bytes(p.memoryBytes)}</td><td class="num">${bytes(p.gpuMemoryBytes)}</td></tr>`));
  }

  /** RAM, disk, network and load where the node's sources give them; one line naming the source where they do not. */
  hostFacts(node) {
    const coverage = hostCoverage(node);
    if (coverage === "none") return note("source.host");
    const memory = node.memory, disk = node.disk;
    const facts = [[t("host.ram"), t("host.ramUsed", { used: bytes(memory.usedBytes), total: bytes(memory.totalBytes) })], [t("host.available"), bytes(memory.availableBytes)]];
    if (coverage === "all") {
      facts.push([t("host.rootDisk"), t("host.diskFree", { free: bytes(disk.availableBytes), total: bytes(disk.totalBytes) })],
        [t("host.network"), `↓ ${rate(node.network.receiveBytesPerSecond)} ↑ ${rate(node.network.transmitBytesPerSecond)}`],
        [t("host.load"), number(node.load1, "", 2)]);
    }
    return `<dl>${facts.map(([label, value]) => `<dt>${label}</dt><dd>${value}</dd>`).join("")}</dl>${coverage === "ram" ? note("source.hostDiskNetwork") : ""}`;
  }

  /** The node's last changes from the board ledger (a minute behind at most, as the charts). */
  async loadChanges(generation) {
    const list = this.root.querySelector(".events-list");
    try {
      const events = await getJSON(`edge/nodes/${encodeURIComponent(this.node)}/events?limit=${CHANGES}`);
      if (generation === this.generation) list.innerHTML = eventList(events.items);
    } catch (error) {
      if (generation === this.generation) list.innerHTML = `<p class="unknown">${escapeHTML(t("changes.unavailable", { message: error.message }))}</p>`;
    }
  }

  async loadHistory(generation) {
    const seconds = RANGES[this.range];
    const end = Math.floor(Date.now() / 1000);
    const step = Math.max(1, Math.ceil(seconds / POINTS));
    const metrics = CHARTS.map((chart) => chart[1]).join(",");
    try {
      const history = await getJSON(`${nodePath(this.node)}/history?metrics=${metrics}&start=${end - seconds}&end=${end}&step=${step}`);
      if (generation !== this.generation) return;
      const groups = CHARTS.map(([title, metric, label]) => [t(title), history.series.filter((s) => s.metric === metric)
        .map((s) => ({ label: label(s.labels), unit: s.unit, points: s.points }))]);
      const charts = this.root.querySelector(".charts");
      charts.innerHTML = groups.map(([title, series]) => lineChart(title, series)).join("");
      attachReadouts(charts, groups.map((group) => group[1]));
    } catch (error) {
      // Shown where the charts would be: the snapshot above may still be current (or served stale from storage).
      if (generation === this.generation) {
        this.root.querySelector(".charts").innerHTML = `<p class="unknown">${escapeHTML(t("history.unavailable", { message: error.message }))}</p>`;
      }
    }
  }
}
