/// The metrics `GET /edge/nodes/{name}/gpu/history` offers, and the PromQL that gives each for every exporter.
/// All requested metrics of all exporters go into one `query_range`, each tagged with `ks_family` = its name.
/// The same expressions, aggregated per node, make the fleet query (`GPUQueries.fleet`).
public enum HistoryMetric: String, CaseIterable, Sendable, Codable {
    case gpuUtilization = "gpu_utilization"
    case gpuTemperature = "gpu_temperature"
    case gpuPower = "gpu_power"
    case cpuUtilization = "cpu_utilization"
    case boardTemperature = "board_temperature"
    case boardPower = "board_power"

    public var unit: String {
        switch self {
        case .gpuUtilization, .cpuUtilization: "percent"
        case .gpuTemperature, .boardTemperature: "celsius"
        case .gpuPower, .boardPower: "watts"
        }
    }

    /// The labels a series of this metric keeps; everything else (job, pod, UUID, …) is dropped.
    var keptLabels: [String] {
        switch self {
        case .gpuUtilization, .gpuTemperature, .gpuPower: ["gpu", "mig_instance"]
        case .cpuUtilization: ["core"]
        case .boardTemperature: ["sensor"]
        case .boardPower: ["rail"]
        }
    }
}

extension GPUQueries {
    /// One range query for `metrics` of `node`, whichever exporter it runs.
    public func history(_ node: NodeName, metrics: [HistoryMetric]) -> PromQL {
        var clauses = metrics.flatMap { metric in
            ExporterKind.allCases.compactMap { exporter in
                MetricExpressions(node: Selector().equal(nodeLabel(exporter), node.rawValue), nodeLabel: nodeLabel(exporter))
                    .expression(metric, exporter).map { FamilyTag.tag($0, as: metric.rawValue) }
            }
        }
        // A Jetson board's model and power mode say how many cores it has; the collector writes 0 for the others.
        if metrics.contains(.cpuUtilization) {
            let jetson = Selector().equal(nodeLabel(.jetson), node.rawValue)
            clauses += ["gpu_info_board_info", "gpu_nvpmode_info"].map { FamilyTag.tag(jetson.equal(.metricName, $0).text, as: $0) }
        }
        return PromQL(trusted: clauses.joined(separator: " or "))
    }
}

/// The per-exporter PromQL of each metric, in the contract's units; unknown readings are left out (gaps).
/// History reads them over time for one node; the fleet aggregates them per node for all nodes at once.
struct MetricExpressions {
    let node: Selector
    let nodeLabel: LabelName

    func family(_ name: String, _ extra: [(String, String)] = []) -> String {
        extra.reduce(node.equal(.metricName, name)) { $0.equal(LabelName($1.0)!, $1.1) }.text
    }

    func copy(_ expression: String, to destination: String, from source: String, _ pattern: String = "(.*)", _ replacement: String = "$1") -> String {
        "label_replace(\(expression), \(Selector.quote(destination)), \(Selector.quote(replacement)), \(Selector.quote(source)), \(Selector.quote(pattern)))"
    }

    /// MIG instances keep their id as `mig_instance`.
    func dcgm(_ expression: String) -> String { copy(expression, to: "mig_instance", from: "GPU_I_ID") }

    /// nvidia_gpu_exporter series carry only `uuid`: the GPU index comes from nvidia_smi_gpu_info.
    func withIndex(_ expression: String) -> String {
        "(\(expression)) * on (uuid) group_left (index) \(family("nvidia_smi_gpu_info"))"
    }

    /// The Orin Nano variant's `total` rail (VDD_IN) is the board's input, in W, per node. It includes every other
    /// rail, so at 0 they all are: not measured.
    var jetsonBoardInput: String {
        "max by (\(nodeLabel.rawValue)) (\(family("gpu_usage_power", [("power", "total")])) > 0) / 1000"
    }

    /// Jetson rails that all read 0 are not measured on that board.
    var jetsonRailsMeasured: String { "unless on (\(nodeLabel.rawValue)) (max by (\(nodeLabel.rawValue)) (\(family("gpu_usage_power"))) == 0)" }

    func expression(_ metric: HistoryMetric, _ exporter: ExporterKind) -> String? {
        switch (exporter, metric) {
        case (.jetson, .gpuUtilization):
            copy(family("gpu_usage_gpu"), to: "gpu", from: "", "", "0")
        case (.jetson, .gpuTemperature):
            copy("\(family("gpu_temperatures", [("temperature", "gpu")])) > -256", to: "gpu", from: "", "", "0")
        case (.jetson, .gpuPower):
            copy("\(family("gpu_usage_power", [("power", "gpu")])) / 1000 \(jetsonRailsMeasured)", to: "gpu", from: "", "", "0")
        case (.jetson, .cpuUtilization):
            copy(family("gpu_usage_cpu"), to: "core", from: "cpu", "cpu_([0-9]+)")
        case (.jetson, .boardTemperature):
            copy("\(family("gpu_temperatures")) > -256", to: "sensor", from: "temperature")
        case (.jetson, .boardPower):
            copy("\(family("gpu_usage_power")) / 1000 \(jetsonRailsMeasured)", to: "rail", from: "power")

        case (.dcgm, .gpuUtilization):
            dcgm("\(family("DCGM_FI_DEV_GPU_UTIL")) or (\(family("DCGM_FI_PROF_GR_ENGINE_ACTIVE")) * 100)")
        case (.dcgm, .gpuTemperature): dcgm(family("DCGM_FI_DEV_GPU_TEMP"))
        case (.dcgm, .gpuPower): dcgm(family("DCGM_FI_DEV_POWER_USAGE"))
        case (.dcgm, .cpuUtilization), (.nvidiaSMI, .cpuUtilization): nil
        case (.dcgm, .boardTemperature):
            "\(copy(family("DCGM_FI_DEV_GPU_TEMP"), to: "sensor", from: "gpu", "(.*)", "gpu$1")) or "
                + copy(family("DCGM_FI_DEV_MEMORY_TEMP"), to: "sensor", from: "gpu", "(.*)", "gpu${1}_memory")
        case (.dcgm, .boardPower):
            copy(family("DCGM_FI_DEV_POWER_USAGE"), to: "rail", from: "gpu", "(.*)", "gpu$1")

        case (.nvidiaSMI, .gpuUtilization):
            copy(withIndex("\(family("nvidia_smi_utilization_gpu_ratio")) * 100"), to: "gpu", from: "index")
        case (.nvidiaSMI, .gpuTemperature):
            copy(withIndex(family("nvidia_smi_temperature_gpu")), to: "gpu", from: "index")
        case (.nvidiaSMI, .gpuPower):
            copy(withIndex(family("nvidia_smi_power_draw_watts")), to: "gpu", from: "index")
        case (.nvidiaSMI, .boardTemperature):
            copy(withIndex(family("nvidia_smi_temperature_gpu")), to: "sensor", from: "index", "(.*)", "gpu$1")
        case (.nvidiaSMI, .boardPower):
            copy(withIndex(family("nvidia_smi_power_draw_watts")), to: "rail", from: "index", "(.*)", "gpu$1")
        }
    }
}

/// The columns of the fleet query, tagged `<column>:<exporter>` in `ks_family`.
public enum FleetColumn: String, CaseIterable, Sendable {
    case utilization, temperature, power, model, seen

    func tag(_ exporter: ExporterKind) -> String { "fleet_\(rawValue):\(exporter.rawValue)" }

    /// The column and exporter of a tag, or nil for anything else.
    static func parse(_ tag: String) -> (FleetColumn, ExporterKind)? {
        guard tag.hasPrefix("fleet_"), let colon = tag.firstIndex(of: ":"),
              let column = FleetColumn(rawValue: String(tag[tag.index(tag.startIndex, offsetBy: 6)..<colon])),
              let exporter = ExporterKind(rawValue: String(tag[tag.index(after: colon)...])) else { return nil }
        return (column, exporter)
    }
}
