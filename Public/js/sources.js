// What each source can report (as Sources/KsEdgeGPU/Exporters/ reads them), so the node view lists the rows a node's
// sources can fill and says in one line which source a missing card needs, instead of rows of dashes.

/** Board rows per GPU exporter: the Jetson collector describes the board, the NVIDIA exporters their GPUs. */
const BOARD_ROWS = {
  jetson: ["model", "jetpack", "l4t", "soc", "module", "serial", "powerMode", "fan"],
  dcgm: ["model", "driver"],
  "nvidia-smi": ["model", "serial", "driver", "fan"],
};
const EVERY_BOARD_ROW = ["model", "jetpack", "l4t", "soc", "module", "serial", "powerMode", "driver", "fan"];

/** The board rows to show: those the node's exporter reports, and any other whose value is known. */
export function boardRows(exporter, values) {
  const reported = BOARD_ROWS[exporter] || EVERY_BOARD_ROW;
  return EVERY_BOARD_ROW.filter((row) => reported.includes(row) || (values[row] !== null && values[row] !== undefined));
}

const hasNodeExporter = (node) => node.sources.includes("node-exporter");
const knows = (...values) => values.some((value) => value !== null && value !== undefined);

/** Which host facts the node's sources give: `all`, `ram` (the Orin Nano variant reports RAM itself) or `none`. */
export function hostCoverage(node) {
  if (hasNodeExporter(node)) return "all";
  return knows(node.memory.totalBytes, node.memory.usedBytes, node.memory.availableBytes) ? "ram" : "none";
}

/** CPU cores come from node-exporter or the Jetson collector; a GPU server without node-exporter has none. */
export const reportsCores = (node) => hasNodeExporter(node) || node.exporter === "jetson" || node.cpu.cores.length > 0;

/** Board temperatures: the exporter's sensors, or node-exporter's thermal zones. */
export const reportsTemperatures = (node) =>
  hasNodeExporter(node) || node.exporter === "jetson" || node.temperatures.length > 0 || node.offlineSensors.length > 0;
