import Foundation

/// Everything ks-edge-gpu knows about one exporter: how to recognise its series, the PromQL it contributes to the
/// fleet, history and inventory, the rates the snapshot computes from its samples, and the pure function from its samples to the contract's readings.
/// Queries and services loop over the registered exporters (`ExporterRegistry`) and never name one.
/// Adding an exporter: one file conforming to this protocol, a case in `ExporterKind`, a line in
/// `ExporterRegistry.standard`, and its fixtures (see README.md beside this file).
public protocol GPUExporter: Sendable {
    var kind: ExporterKind { get }
    /// Every family the exporter writes starts with this (`gpu_`, `DCGM_FI_`).
    var metricPrefix: String { get }
    /// A node with series of several exporters is described by the one ranked highest (the richest).
    var rank: Int { get }
    /// A family every scrape writes: its sample time says how fresh the node is.
    var heartbeat: String { get }
    /// The label that names the Kubernetes node when the configuration does not say otherwise.
    var defaultNodeLabel: LabelName { get }
    /// The matchers that leave out series which only look like this exporter's (ks-edge-gpu's own dcgm-compatible
    /// recorded series, for dcgm-exporter); none for the others, whose queries stay plain.
    var ownSeries: Selector { get }
    /// The family and label that carry the board or GPU model.
    var modelLabel: (family: String, label: String) { get }
    /// Families whose labels describe the board, read by the inventory with their sample times.
    var inventoryFamilies: [String] { get }
    /// The GPU is part of the SoC (Jetson): it has no memory of its own, so its memory total is the board's RAM, and
    /// its temperature is the board's `gpu` thermal zone.
    var isIntegrated: Bool { get }

    /// The PromQL of `metric` in the contract's units over `scope`; nil where the exporter does not measure it.
    /// Unknown readings are left out (gaps), never 0. Series carry the labels of `HistoryMetric.labelNames`.
    func expression(_ metric: HistoryMetric, in scope: ExpressionScope) -> String?
    /// The per-node PromQL of a fleet column over `scope` (every node); nil where not measured.
    func fleetExpression(_ column: FleetColumn, in scope: ExpressionScope) -> String?
    /// Families a history of `metrics` needs besides the metrics themselves, to interpret them.
    func historyContextFamilies(for metrics: [HistoryMetric]) -> [String]
    /// Which of this exporter's history series of one node belong in the answer, given that node's context families;
    /// worked out once per node, then asked of each series.
    func historySeriesFilter(context: MetricFamilies) -> HistorySeriesFilter

    /// Pure: one node's series of this exporter -> what the snapshot shows.
    func readings(_ families: MetricFamilies) -> NodeReadings

    /// Per problem this exporter has a signal for, the PromQL of where it trips over `scope` (every node), the same
    /// signals `readings` reads: series carrying the node label, `gpu` (the GPU's index) or `sensor`, and where there
    /// is one dcgm-exporter's `err_msg` or nvidia-smi's `xid`, valued as `Problems.problem` reads them. The fleet
    /// reads its problems from them.
    func problemExpressions(_ thresholds: ProblemThresholds, in scope: ExpressionScope, rates: CounterRate) -> [ProblemCode: String]
    /// Pure: what the snapshot needs beyond the latest samples of the exporter's families, computed from one node's
    /// samples (rates of its counters): series named with `metricPrefix`, so `readings` receives them.
    func snapshotRates(_ window: SampleWindow) -> [Series]
}

/// Whether a history series, by its metric and kept labels, belongs in the answer.
public typealias HistorySeriesFilter = (_ metric: HistoryMetric, _ labels: [String: String]) -> Bool

/// The per-node columns of the fleet list.
public enum FleetColumn: String, CaseIterable, Sendable {
    /// Mean GPU load, hottest GPU, board input or else summed GPU power, newest sample time (the fleet query adds the
    /// model and the last push to it: one series a node for three columns), and the share of RAM in use where the
    /// exporter itself reports RAM (node-exporter's, where present, is preferred).
    case utilization, temperature, power, seen, memory
    /// The GPUs with a load reading (MIG instances each), and their memory used and installed, summed: what the
    /// console's node-level GPU metrics (`node_gpu_total`, `node_gpu_memory_usage`, …) are made of.
    case gpuCount = "gpu_count", gpuMemoryUsed = "gpu_memory_used", gpuMemoryTotal = "gpu_memory_total"
}

extension GPUExporter {
    public var defaultNodeLabel: LabelName { .instance }

    public var ownSeries: Selector { Selector() }

    public var isIntegrated: Bool { false }

    public func historyContextFamilies(for metrics: [HistoryMetric]) -> [String] { [] }

    public func historySeriesFilter(context: MetricFamilies) -> HistorySeriesFilter { { _, _ in true } }

    public func fleetExpression(_ column: FleetColumn, in scope: ExpressionScope) -> String? {
        standardFleetExpression(column, in: scope)
    }

    public func problemExpressions(_ thresholds: ProblemThresholds, in scope: ExpressionScope, rates: CounterRate) -> [ProblemCode: String] {
        standardProblemExpressions(thresholds, in: scope)
    }

    public func snapshotRates(_ window: SampleWindow) -> [Series] { [] }

    /// Per node, one series carrying the model label (valued 1): one of them where a node's GPUs are of several models.
    public func fleetModelExpression(in scope: ExpressionScope) -> String {
        let label = scope.nodeLabel.rawValue
        return "topk by (\(label)) (1, group by (\(label), \(modelLabel.label)) (\(scope.family(modelLabel.family))))"
    }

    /// A discrete GPU's temperature from the history's expression.
    public func standardProblemExpressions(_ thresholds: ProblemThresholds, in scope: ExpressionScope) -> [ProblemCode: String] {
        guard !isIntegrated, let temperature = expression(.gpuTemperature, in: scope) else { return [:] }
        return [.gpuHot: "(\(temperature)) >= \(thresholds.gpuHot.warning)"]
    }

    /// The fleet columns from the history expressions, aggregated per node by Prometheus.
    public func standardFleetExpression(_ column: FleetColumn, in scope: ExpressionScope) -> String? {
        let label = scope.nodeLabel.rawValue
        switch column {
        case .utilization:
            return expression(.gpuUtilization, in: scope).map { "avg by (\(label)) (\($0))" }
        case .temperature:
            return expression(.gpuTemperature, in: scope).map { "max by (\(label)) (\($0))" }
        case .power:
            // Physical GPUs once each (MIG instances repeat their GPU's power), then summed per node.
            return expression(.gpuPower, in: scope).map { "sum by (\(label)) (max by (\(label), gpu) (\($0)))" }
        case .seen:
            return "max by (\(label)) (timestamp(\(scope.family(heartbeat))))"
        case .memory:
            return expression(.memoryUtilization, in: scope).map { "max by (\(label)) (\($0))" }
        case .gpuCount:
            // An integrated GPU is its SoC's one GPU: the fleet rows count it where the node is seen, without a
            // series a node for it.
            guard !isIntegrated else { return nil }
            return expression(.gpuUtilization, in: scope).map { "count by (\(label)) (\($0))" }
        case .gpuMemoryUsed:
            return expression(.gpuMemoryUsed, in: scope).map { "sum by (\(label)) (\($0))" }
        case .gpuMemoryTotal:
            return expression(.gpuMemoryTotal, in: scope).map { "sum by (\(label)) (\($0))" }
        }
    }
}

/// What one exporter's samples say about a node: the snapshot without its identity and freshness, which the
/// snapshot service adds.
public struct NodeReadings: Sendable, Hashable {
    public var board = NodeGPU.Board()
    public var uptimeSeconds: Double?
    public var gpus: [NodeGPU.GPU] = []
    public var cpu = NodeGPU.CPU()
    public var temperatures: [NodeGPU.Temperature] = []
    /// Sensors that cannot be read (-256 °C on Jetson boards).
    public var offlineSensors: [String] = []
    public var power = NodeGPU.Power()
    public var fanPercent: Double?
    public var processes: [NodeGPU.GPUProcess] = []
    public var memory = NodeGPU.Memory()
    public var disk = NodeGPU.Disk()
    public var network = NodeGPU.Network()
    public var load1: Double?
    /// Sources joined in besides the exporter (node-exporter).
    public var joined: [DataSource] = []
    /// What the exporter's own families say about problems only it can tell.
    public var signals = HealthSignals()

    public init() {}
}

extension NodeReadings {
    /// An integrated GPU (Jetson) has no memory of its own: its memory total is the board's RAM (node-exporter's, or
    /// the exporter's own report), and where its exporter gives it no temperature, it reads the board's `gpu` sensor.
    mutating func shareBoardWithIntegratedGPU() {
        for index in gpus.indices {
            if let ram = memory.totalBytes { gpus[index].memoryTotalBytes = ram }
            if gpus[index].temperatureCelsius == nil {
                gpus[index].temperatureCelsius = temperatures.first { $0.sensor == "gpu" }?.celsius
            }
        }
    }
}

extension NodeGPU {
    public init(node: String, exporter: ExporterKind, status: NodeStatus, observedAt: Date?, readings: NodeReadings) {
        self.init(
            node: node, exporter: exporter, sources: [DataSource(exporter)] + readings.joined, status: status, observedAt: observedAt,
            board: readings.board, uptimeSeconds: readings.uptimeSeconds, gpus: readings.gpus, cpu: readings.cpu,
            temperatures: readings.temperatures, offlineSensors: readings.offlineSensors, power: readings.power,
            fanPercent: readings.fanPercent, processes: readings.processes, memory: readings.memory, disk: readings.disk,
            network: readings.network, load1: readings.load1)
    }
}
