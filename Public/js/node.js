// The node view (#/nodes/<name>?range=1h): the snapshot, live over Server-Sent Events (polling when the stream cannot
// open), and history charts drawn from one history request.
import { getJSON, nodePath } from "./api.js";
import { attachReadouts, lineChart } from "./chart.js";
import { UNKNOWN, bytes, duration, escapeHTML, number, percentBar, rate, status, text, when } from "./format.js";

export const RANGES = { "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800 };
/** About one point per two pixels of a chart. */
const POINTS = 320;

const CHARTS = [
  ["GPU utilisation", "gpu_utilization", (l) => `GPU ${l.gpu}${l.mig_instance ? ` MIG ${l.mig_instance}` : ""}`],
  ["Temperatures", "board_temperature", (l) => l.sensor],
  ["Power", "board_power", (l) => l.rail],
  ["CPU cores", "cpu_utilization", (l) => `core ${l.core}`],
  ["RAM in use", "memory_utilization", () => "RAM"],
  ["Network", "network", (l) => l.direction],
];

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
      <nav class="crumbs"><a href="#/">Fleet</a> › <span>${escapeHTML(this.node)}</span></nav>
      <section class="node-head"><h2>${escapeHTML(this.node)} <span class="node-status"></span> <span class="live" data-live="polling">polling</span></h2><p class="observed unknown"></p></section>
      <div class="cards">
        <section class="card"><h3>Board</h3><dl class="board"></dl></section>
        <section class="card"><h3>GPUs</h3><div class="gpus"></div></section>
        <section class="card"><h3>Host</h3><dl class="host"></dl></section>
        <section class="card"><h3>Temperatures</h3><table class="temperatures"><tbody></tbody></table></section>
        <section class="card"><h3>Power</h3><table class="power"><tbody></tbody></table></section>
        <section class="card"><h3>CPU cores</h3><div class="cores"></div></section>
      </div>
      <section class="card wide"><h3>GPU processes and pods</h3><div class="scroll"><table class="processes">
        <thead><tr><th scope="col">PID</th><th scope="col">Name</th><th scope="col">Namespace / container</th><th scope="col">GPU</th><th scope="col">User</th>
        <th scope="col" class="num">CPU</th><th scope="col" class="num">Memory</th><th scope="col" class="num">GPU memory</th></tr></thead><tbody></tbody></table></div></section>
      <section class="card wide history" aria-labelledby="history-title">
        <div class="toolbar"><h3 id="history-title">History</h3>
          <nav class="ranges" aria-label="Range">${Object.keys(RANGES).map((r) => `<a href="#/nodes/${name}?range=${r}" data-range="${r}">${r}</a>`).join("")}</nav></div>
        <div class="charts"><p class="unknown">loading…</p></div>
      </section>`;
  }

  start() {
    const generation = (this.generation = (this.generation || 0) + 1);
    this.loadHistory(generation);
    this.historyTimer = setInterval(() => this.loadHistory(generation), 60_000);
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
      if (badge) { badge.dataset.live = mode; badge.textContent = mode === "stream" ? "live" : "polling"; }
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
    const observed = root.querySelector(".observed");
    observed.dataset.observedAt = node.observedAt || "";
    observed.innerHTML = `observed ${when(node.observedAt)} · up ${duration(node.uptimeSeconds)} · ` +
      `from ${node.sources.map(escapeHTML).join(" + ")}`;
    const board = node.board;
    root.querySelector(".board").innerHTML = [["Model", board.model], ["JetPack", board.jetpack], ["L4T", board.l4t], ["SoC", board.soc],
      ["Module", board.module], ["Serial", board.serialNumber], ["Power mode", board.nvpmode], ["Driver", board.driverVersion],
      ["Fan", node.fanPercent === null ? null : `${node.fanPercent.toFixed(0)} %`],
      ["First seen", board.firstSeen && new Date(board.firstSeen).toLocaleString()], ["Last seen", board.lastSeen && new Date(board.lastSeen).toLocaleString()]]
      .map(([label, value]) => `<dt>${label}</dt><dd>${text(value)}</dd>`).join("");
    // MIG instances are listed under their GPU.
    const byGPU = new Map();
    for (const gpu of node.gpus) byGPU.set(gpu.index, [...(byGPU.get(gpu.index) || []), gpu]);
    root.querySelector(".gpus").innerHTML = [...byGPU.values()].map((entries) => {
      const gpu = entries[0];
      const parts = entries.map((entry) => `
        ${entry.migProfile ? `<h4>MIG ${escapeHTML(entry.migProfile)} #${text(entry.migInstanceId)}</h4>` : ""}
        ${percentBar(entry.utilizationPercent, "load")}
        <dl><dt>Temperature</dt><dd>${number(entry.temperatureCelsius, " °C")}</dd><dt>Power</dt><dd>${number(entry.powerWatts, " W", 2)}</dd>
        <dt>Memory</dt><dd>${bytes(entry.memoryUsedBytes)} of ${bytes(entry.memoryTotalBytes)}</dd></dl>`).join("");
      return `<div class="gpu"><h4>GPU ${gpu.index} · ${text(gpu.name)}</h4>${gpu.uuid ? `<p class="unknown uuid">${escapeHTML(gpu.uuid)}</p>` : ""}${parts}</div>`;
    }).join("") || '<p class="unknown">none reported</p>';
    const memory = node.memory, disk = node.disk;
    root.querySelector(".host").innerHTML = [
      ["RAM", `${bytes(memory.usedBytes)} used of ${bytes(memory.totalBytes)}`], ["Available", bytes(memory.availableBytes)],
      ["Root disk", `${bytes(disk.availableBytes)} free of ${bytes(disk.totalBytes)}`],
      ["Network", `↓ ${rate(node.network.receiveBytesPerSecond)} ↑ ${rate(node.network.transmitBytesPerSecond)}`],
      ["Load (1 min)", number(node.load1, "", 2)],
    ].map(([label, value]) => `<dt>${label}</dt><dd>${value}</dd>`).join("");
    const rows = (selector, html) => { root.querySelector(`${selector} tbody`).innerHTML = html.join("") || '<tr><td class="unknown">none reported</td></tr>'; };
    rows(".temperatures", node.temperatures.map((t) => `<tr><th scope="row">${escapeHTML(t.sensor)}</th><td class="num">${number(t.celsius, " °C")}</td></tr>`)
      .concat(node.offlineSensors.map((s) => `<tr><th scope="row">${escapeHTML(s)}</th><td class="num unknown">offline</td></tr>`)));
    const notMeasured = '<span class="unknown">not measured</span>';
    rows(".power", node.power.rails.map((r) => `<tr><th scope="row">${escapeHTML(r.rail)}</th><td class="num">${r.watts === null ? notMeasured : number(r.watts, " W", 2)}</td></tr>`)
      .concat([`<tr><th scope="row">${node.exporter === "jetson" ? "board input" : "all GPUs"}</th><td class="num">${node.power.totalWatts === null ? notMeasured : number(node.power.totalWatts, " W", 2)}</td></tr>`]));
    root.querySelector(".cores").innerHTML = node.cpu.cores.map((core) => percentBar(core.utilizationPercent, `core ${core.core}`)).join("")
      + `<p>average ${number(node.cpu.averagePercent, " %")}</p>`;
    rows(".processes", node.processes.map((p) => `<tr><td>${text(p.pid)}</td><td>${text(p.name)}</td>
      <td>${p.namespace ? escapeHTML(p.namespace) + (p.container ? " / " + escapeHTML(p.container) : "") : UNKNOWN}</td>
      <td>${text(p.gpuIndex)}</td><td>${text(p.user)}</td><td class="num">${number(p.cpuPercent, " %", 2)}</td>
      <td class="num">${bytes(p.memoryBytes)}</td><td class="num">${bytes(p.gpuMemoryBytes)}</td></tr>`));
  }

  async loadHistory(generation) {
    const seconds = RANGES[this.range];
    const end = Math.floor(Date.now() / 1000);
    const step = Math.max(1, Math.ceil(seconds / POINTS));
    const metrics = CHARTS.map((chart) => chart[1]).join(",");
    try {
      const history = await getJSON(`${nodePath(this.node)}/history?metrics=${metrics}&start=${end - seconds}&end=${end}&step=${step}`);
      if (generation !== this.generation) return;
      const groups = CHARTS.map(([title, metric, label]) => [title, history.series.filter((s) => s.metric === metric)
        .map((s) => ({ label: label(s.labels), unit: s.unit, points: s.points }))]);
      const charts = this.root.querySelector(".charts");
      charts.innerHTML = groups.map(([title, series]) => lineChart(title, series)).join("");
      attachReadouts(charts, groups.map((group) => group[1]));
    } catch (error) {
      // Shown where the charts would be: the snapshot above may still be current (or served stale from storage).
      if (generation === this.generation) {
        this.root.querySelector(".charts").innerHTML = `<p class="unknown">History is unavailable: ${escapeHTML(error.message)}</p>`;
      }
    }
  }
}
