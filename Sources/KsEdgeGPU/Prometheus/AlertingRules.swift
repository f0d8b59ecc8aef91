/// `ks-edge-gpu rules --alerts`: a Prometheus alerting rule per problem and severity, from the same problem signals as
/// the fleet (`problemExpressions` of each exporter and of node-exporter), so an alert fires for exactly the (node,
/// problem) pairs the API reports at warning or critical. Each alert carries `node`, `code` and `severity`, and says
/// what is wrong in a summary and what it means in a description. Info problems (offline sensors) page nobody, and a
/// node's status (offline, stale) is left to the targets' own `up` alerts.
public struct AlertingRules: Sendable {
    let queries: GPUQueries
    let thresholds: ProblemThresholds

    public init(queries: GPUQueries, thresholds: ProblemThresholds = .standard) {
        self.queries = queries
        self.thresholds = thresholds
    }

    static let groupName = "ks-edge-gpu-alerts"

    /// Per problem, each source's expression with the node in a `node` label.
    var expressions: [ProblemCode: [String]] {
        var expressions: [ProblemCode: [String]] = [:]
        for exporter in queries.exporters.exporters {
            let scope = queries.fleetScope(exporter)
            for (code, expression) in exporter.problemExpressions(thresholds, in: scope, rates: queries.counterRate) {
                expressions[code, default: []].append(Self.named(expression, scope.nodeLabel))
            }
        }
        let scope = queries.nodeExporterScope(.every)
        for (code, expression) in queries.exporters.nodeExporter.problemExpressions(thresholds, in: scope, rates: queries.counterRate) {
            // node-exporter runs on every node: only GPU nodes have problems here, and thermal zones are a Jetson's.
            let nodes = code == .boardHot || code == .sensorOffline ? nodesOf(queries.exporters.exporters.filter(\.isIntegrated))
                : nodesOf(queries.exporters.exporters)
            expressions[code, default: []].append("\(Self.named(expression, scope.nodeLabel)) and on (node) \(nodes)")
        }
        return expressions
    }

    static func named(_ expression: String, _ label: LabelName) -> String {
        "label_replace(\(expression), \"node\", \"$1\", \(Selector.quote(label.rawValue)), \"(.+)\")"
    }

    /// The nodes `exporters` describe, by `node`.
    func nodesOf(_ exporters: [any GPUExporter]) -> String {
        let beats = exporters.map { exporter in
            let scope = queries.fleetScope(exporter)
            return Self.named(scope.family(exporter.heartbeat), scope.nodeLabel)
        }
        return "group by (node) (\(beats.joined(separator: " or ")))"
    }

    /// Each severity a problem can have, and the condition on its reading that makes it that one.
    func bands(_ code: ProblemCode) -> [(severity: Severity, condition: String?)] {
        switch code {
        case .gpuHot: [(.warning, "< \(thresholds.gpuHot.critical)"), (.critical, ">= \(thresholds.gpuHot.critical)")]
        case .boardHot: [(.warning, "< \(thresholds.boardHot.critical)"), (.critical, ">= \(thresholds.boardHot.critical)")]
        case .diskFilling: [(.warning, ">= \(Problems.diskCriticalPercent)"), (.critical, "< \(Problems.diskCriticalPercent)")]
        case .memoryPressure, .thermalThrottling, .powerBrake: [(.warning, nil)]
        case .xidError, .eccUncorrectable, .rowRemapFailure, .gpuResetNeeded: [(.critical, nil)]
        case .sensorOffline, .nodeOffline, .nodeStale: []
        }
    }

    /// How long a problem must hold before it pages: passing heat and throttling wait, errors a driver reports do not.
    static func holding(_ code: ProblemCode) -> String? {
        switch code {
        case .gpuHot, .boardHot, .thermalThrottling, .powerBrake: "5m"
        case .memoryPressure, .diskFilling: "10m"
        default: nil
        }
    }

    var rules: [RuleFileText.Rule] {
        let expressions = self.expressions
        return ProblemCode.allCases.flatMap { code -> [RuleFileText.Rule] in
            guard let sources = expressions[code] else { return [] }
            return bands(code).map { band in
                let expression = sources.map { source in band.condition.map { "(\(source)) \($0)" } ?? source }.joined(separator: " or ")
                let (summary, description) = text(code)
                return RuleFileText.Rule(
                    record: Self.alertName(code), expression: expression, labels: [("code", code.rawValue)],
                    alert: .init(holding: Self.holding(code), severity: band.severity.rawValue,
                                 annotations: [("summary", summary), ("description", description)]))
            }
        }
    }

    /// `xid_error` -> `KsEdgeGPUXidError`.
    static func alertName(_ code: ProblemCode) -> String {
        "KsEdgeGPU" + code.rawValue.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The alert's summary (Prometheus' templates: the node, the GPU or sensor, the reading) and description.
    func text(_ code: ProblemCode) -> (String, String) {
        let gpu = "GPU {{ $labels.gpu }} of {{ $labels.node }}"
        let percent = #"{{ $value | printf "%.1f" }} %"#
        let limits = { (limits: TemperatureLimits) in
            "warning from \(Problems.formatted(limits.warning)) °C, critical from \(Problems.formatted(limits.critical)) °C"
        }
        switch code {
        case .gpuHot:
            return ("\(gpu) is at {{ $value }} °C", "A discrete GPU this hot (\(limits(thresholds.gpuHot))) slows down and wears: check its cooling and load.")
        case .boardHot:
            return ("Sensor {{ $labels.sensor }}{{ $labels.type }} of {{ $labels.node }} is at {{ $value }} °C",
                    "A Jetson board this hot (\(limits(thresholds.boardHot)); the Orin throttles from 99 °C) slows down: check its fan, enclosure and power mode.")
        case .thermalThrottling:
            return ("\(gpu) is slowed down for heat", "The driver lowers the GPU's clocks to cool it (its clock event reasons, or time throttled for heat growing): its work runs slower.")
        case .powerBrake:
            return ("\(gpu) is slowed down by the power brake", "The hardware power brake holds the GPU's clocks down: check the server's power supply.")
        case .xidError:
            return ("\(gpu) reported XID {{ with $labels.xid }}{{ . }}{{ else }}{{ $value }}{{ end }}{{ with $labels.err_msg }}: {{ . }}{{ end }}",
                    "The driver reported an XID error; look it up in NVIDIA's XID catalogue. Some (79: the GPU fell off the bus) need the node rebooted.")
        case .eccUncorrectable:
            return ("\(gpu) has {{ $value }} uncorrectable ECC errors", "Uncorrectable (double-bit) memory errors since the driver loaded: the GPU's results cannot be trusted until it is reset.")
        case .rowRemapFailure:
            return ("\(gpu) failed to remap a memory row", "The GPU could not retire a failing memory row: it needs service.")
        case .gpuResetNeeded:
            return ("\(gpu) needs a recovery action ({{ $value }})", "nvidia-smi asks for a recovery action: 1 a GPU reset, 2 a node reboot, 3 draining peer-to-peer traffic, 4 draining and a reset.")
        case .memoryPressure:
            return ("Only \(percent) of RAM is available on {{ $labels.node }}", "Below \(Problems.formatted(Problems.memoryPressurePercent)) % available, the kernel starts killing processes.")
        case .diskFilling:
            return ("Only \(percent) of the root filesystem is free on {{ $labels.node }}",
                    "Below \(Problems.formatted(Problems.diskWarningPercent)) % free (critical below \(Problems.formatted(Problems.diskCriticalPercent)) %), images and logs can no longer be written.")
        case .sensorOffline, .nodeOffline, .nodeStale:
            return ("", "")
        }
    }

    private func file(made: String) -> RuleFileText {
        RuleFileText(
            header: ["Generated by \(made):", "an alert per problem ks-edge-gpu reports at warning or critical (README, \"Health\"),",
                     "from the same signals, labelled node, code and severity."],
            name: Self.groupName, rules: rules)
    }

    public func ruleFile(interval: String? = nil) -> String {
        file(made: "`ks-edge-gpu rules --alerts`").plain(interval: interval)
    }

    public func prometheusRule(namespace: String, interval: String) -> String {
        file(made: "`ks-edge-gpu rules --alerts --format prometheus-rule`").prometheusRule(namespace: namespace, interval: interval)
    }

    public func clusterRuleGroup(interval: String) -> String {
        file(made: "`ks-edge-gpu rules --alerts --format cluster-rule-group`").clusterRuleGroup(interval: interval)
    }
}
