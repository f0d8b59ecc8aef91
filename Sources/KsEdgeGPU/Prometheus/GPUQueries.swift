/// Every PromQL expression ks-edge-gpu sends, in one place.
///
/// Instant selectors answer what Prometheus holds as current: a series whose target stopped answering is gone
/// (Prometheus marks it stale), so a node without samples is offline. Functions such as `timestamp` drop metric
/// names, and `or` ignores names when it matches series, so queries that combine families tag each with a
/// `ks_family` label (`FamilyTag`) and the answer is given its names back with `FamilyTag.restore`.
public struct GPUQueries: Sendable {
    /// The label that names the Kubernetes node, per exporter (`instance` after the ServiceMonitor's relabelling;
    /// `Hostname` or `node` are common for dcgm-exporter).
    public let nodeLabels: [ExporterKind: LabelName]
    public init(nodeLabel: LabelName, overrides: [ExporterKind: LabelName] = [:]) {
        nodeLabels = Dictionary(uniqueKeysWithValues: ExporterKind.allCases.map { ($0, overrides[$0] ?? nodeLabel) })
    }

    public func nodeLabel(_ exporter: ExporterKind) -> LabelName { nodeLabels[exporter]! }

    /// The exporters grouped by the label that names their node, in a stable order.
    var exportersByLabel: [(label: LabelName, exporters: [ExporterKind])] {
        Dictionary(grouping: ExporterKind.allCases, by: nodeLabel).map { ($0.key, $0.value) }.sorted { $0.label.rawValue < $1.label.rawValue }
    }

    static let namePattern: [ExporterKind: String] = [.jetson: "gpu_.*", .dcgm: "DCGM_FI_.*", .nvidiaSMI: "nvidia_smi_.*"]

    /// All GPU families of one node as Prometheus holds them now, and the time of the newest scrape (instant
    /// values carry the evaluation time, not the scrape's). One query when every exporter names nodes with the
    /// same label (the default); one per distinct label otherwise.
    public func nodeSnapshot(_ node: NodeName) -> [PromQL] {
        exportersByLabel.map { label, exporters in
            let selector = Selector().matching(.metricName, trustedPattern: exporters.map { Self.namePattern[$0]! }.joined(separator: "|"))
                .equal(label, node.rawValue)
            // timestamp() gives sample times only when applied to a selector itself (over a function it gives the
            // evaluation time), and it drops names: so one family per exporter whose series never share labels.
            let heartbeats = Selector().matching(.metricName, trustedPattern: exporters.map { Self.heartbeat[$0]! }.joined(separator: "|"))
                .equal(label, node.rawValue)
            return PromQL(trusted: "\(selector.text) or \(FamilyTag.tag("max(timestamp(\(heartbeats.text)))", as: FamilyTag.observedAt))")
        }
    }

    /// A family every scrape of that exporter writes, whose sample time tells how fresh the node is.
    static let heartbeat: [ExporterKind: String] = [
        .jetson: "gpu_usage_gpu", .dcgm: "DCGM_FI_DEV_GPU_TEMP", .nvidiaSMI: "nvidia_smi_temperature_gpu",
    ]

    /// The label holding the model name, on the family that carries it.
    static let modelFamily: [ExporterKind: (family: String, label: String)] = [
        .jetson: ("gpu_info_board_info", "machine"), .dcgm: ("DCGM_FI_DEV_GPU_TEMP", "modelName"),
        .nvidiaSMI: ("nvidia_smi_gpu_info", "name"),
    ]

    /// The whole fleet, aggregated by Prometheus to one series per node and column, each tagged
    /// `<column>:<exporter>` (`FleetColumn`): mean GPU load, hottest GPU, board input or else summed GPU power,
    /// model, and the time of the newest sample. One query per exporter (three, whatever the fleet size), sent
    /// together so Prometheus evaluates them side by side.
    public var fleet: [PromQL] {
        ExporterKind.allCases.map { exporter in
            var clauses: [String] = []
            let label = nodeLabel(exporter).rawValue
            let metrics = MetricExpressions(node: Selector(), nodeLabel: nodeLabel(exporter))
            func add(_ column: FleetColumn, _ expression: String?) {
                if let expression { clauses.append(FamilyTag.tag(expression, as: column.tag(exporter))) }
            }
            add(.utilization, metrics.expression(.gpuUtilization, exporter).map { "avg by (\(label)) (\($0))" })
            add(.temperature, metrics.expression(.gpuTemperature, exporter).map { "max by (\(label)) (\($0))" })
            // Physical GPUs once each (MIG instances repeat their GPU's power), then summed per node.
            let gpuPower = metrics.expression(.gpuPower, exporter).map { "sum by (\(label)) (max by (\(label), gpu) (\($0)))" }
            add(.power, exporter == .jetson ? metrics.jetsonBoardInput + " or " + gpuPower! : gpuPower)
            let model = Self.modelFamily[exporter]!
            add(.model, "max by (\(label), \(model.label)) (\(Self.family(model.family).text))")
            add(.seen, "max by (\(label)) (timestamp(\(Self.family(Self.heartbeat[exporter]!).text)))")
            return PromQL(trusted: clauses.joined(separator: " or "))
        }
    }

    /// The identity metrics of every node with their sample times (as values), for the board inventory.
    public var inventory: PromQL {
        let families = ["gpu_info_board_info", "gpu_info_hardware_info", "gpu_nvpmode_info", "DCGM_FI_DEV_GPU_TEMP", "nvidia_smi_gpu_info"]
        return PromQL(trusted: families.map { FamilyTag.tag("timestamp(\(Self.family($0).text))", as: $0) }.joined(separator: " or "))
    }

    static func family(_ name: String) -> Selector { Selector().equal(.metricName, name) }
}

/// Names families through a `ks_family` label, which survives functions and `or`.
public enum FamilyTag {
    public static let label = "ks_family"
    public static let observedAt = "ks_observed_at"

    static func tag(_ expression: String, as family: String) -> String {
        "label_replace(\(expression), \"\(label)\", \(Selector.quote(family)), \"\", \"\")"
    }

    /// Each tagged series named after its family again (the tag removed); untagged series pass unchanged.
    public static func restore(_ series: [Series]) -> [Series] {
        series.map { entry in
            guard let family = entry.labels[label] else { return entry }
            var named = entry
            named.labels[label] = nil
            named.labels["__name__"] = family
            return named
        }
    }
}

extension Selector {
    /// The metric name an exact `__name__` matcher selects.
    var metricName: String? { matchers.first { $0.label == .metricName && $0.match == .equal }?.value }
}
