// What the node view shows for each kind of node (Public/js/sources.js): the rows and cards its sources can fill, and
// where a card needs a source the node lacks.
import assert from "node:assert/strict";
import { test } from "node:test";

import { boardRows, hostCoverage, reportsCores, reportsTemperatures } from "../../Public/js/sources.js";

const node = (exporter, sources, extra = {}) => ({
  exporter, sources, memory: { totalBytes: null, availableBytes: null, usedBytes: null }, cpu: { cores: [] },
  temperatures: [], offlineSensors: [], ...extra,
});
const unknown = { model: null, jetpack: null, l4t: null, soc: null, module: null, serial: null, powerMode: null, driver: null, fan: null };

test("a dcgm-exporter node lists its model and driver, never the Jetson's JetPack, L4T, module or power mode", () => {
  assert.deepEqual(boardRows("dcgm", unknown), ["model", "driver"]);
  assert.deepEqual(boardRows("nvidia-smi", unknown), ["model", "serial", "driver", "fan"]);
  assert.deepEqual(boardRows("jetson", unknown), ["model", "jetpack", "l4t", "soc", "module", "serial", "powerMode", "fan"]);
});

test("a value a source did report is shown even where its exporter usually has none", () => {
  assert.deepEqual(boardRows("dcgm", { ...unknown, serial: "1422020048532" }), ["model", "serial", "driver"]);
  assert.deepEqual(boardRows(null, { ...unknown, model: "A100" }), boardRows(null, unknown), "unknown exporter: every row");
});

test("host facts: all with node-exporter, RAM alone from the Orin Nano variant, none from a GPU server without it", () => {
  assert.equal(hostCoverage(node("dcgm", ["dcgm", "node-exporter"])), "all");
  assert.equal(hostCoverage(node("jetson", ["jetson"], { memory: { totalBytes: 8e9, availableBytes: null, usedBytes: 3e9 } })), "ram");
  assert.equal(hostCoverage(node("dcgm", ["dcgm"])), "none");
});

test("CPU cores and board temperatures: a GPU server without node-exporter reports none, a Jetson always can", () => {
  assert.equal(reportsCores(node("dcgm", ["dcgm"])), false);
  assert.equal(reportsCores(node("dcgm", ["dcgm", "node-exporter"])), true);
  assert.equal(reportsCores(node("jetson", ["jetson"])), true);
  assert.equal(reportsTemperatures(node("nvidia-smi", ["nvidia-smi"])), false);
  assert.equal(reportsTemperatures(node("dcgm", ["dcgm"], { temperatures: [{ sensor: "gpu0", celsius: 41 }] })), true);
  assert.equal(reportsTemperatures(node("jetson", ["jetson"])), true);
});
