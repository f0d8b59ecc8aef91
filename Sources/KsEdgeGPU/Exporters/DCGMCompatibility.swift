/// KubeSphere's console (its node and cluster GPU charts) and NVIDIA's Grafana dashboards read dcgm-exporter's series
/// only. For every GPU another exporter describes (Jetson boards, nvidia_gpu_exporter servers), recording rules write
/// the same families in dcgm-exporter's units and labels, from the same expressions as the history, so the console
/// shows what the snapshot shows. The series carry `ks_edge_gpu_source` (the exporter), so they can be told from
/// dcgm-exporter's own, and ks-edge-gpu itself never reads them back as dcgm-exporter's.
public enum DCGMCompatibility {
    /// Set on every recorded series to the exporter it comes from; empty (absent) on dcgm-exporter's own.
    public static let sourceLabel = LabelName.known("ks_edge_gpu_source")

    /// dcgm-exporter's framebuffer unit.
    static let mebibyte = DCGMExporter.mebibyte

    /// A dcgm-exporter family: its name and how it is computed from the history metrics.
    struct Family: Sendable {
        var name: String
        /// The expression in dcgm-exporter's unit, or nil where the exporter does not measure it.
        var expression: @Sendable (any GPUExporter, ExpressionScope) -> String?
    }

    static let families = [
        Family(name: "DCGM_FI_DEV_GPU_UTIL") { $0.expression(.gpuUtilization, in: $1) },
        Family(name: "DCGM_FI_DEV_GPU_TEMP") { $0.expression(.gpuTemperature, in: $1) },
        Family(name: "DCGM_FI_DEV_POWER_USAGE") { $0.expression(.gpuPower, in: $1) },
        // MiB; only where the GPU memory in use is reported, so no series (never 0) elsewhere.
        Family(name: "DCGM_FI_DEV_FB_USED") { exporter, scope in exporter.expression(.gpuMemoryUsed, in: scope).map { "(\($0)) / \(mebibyte)" } },
        Family(name: "DCGM_FI_DEV_FB_FREE") { exporter, scope in
            guard let used = exporter.expression(.gpuMemoryUsed, in: scope), let total = exporter.expression(.gpuMemoryTotal, in: scope) else {
                return nil
            }
            // group_left keeps the total's labels (namespace, pod, …): a plain `on` would keep only the node and GPU.
            return "(\(total) - on (\(scope.nodeLabel.rawValue), gpu) group_left () \(used)) / \(mebibyte)"
        },
    ]

    /// The labels a recorded series keeps from its source series: the node's, the GPU index, and the scrape
    /// target's (KubeSphere joins `namespace` and `pod` to the node), plus a UUID where the exporter has one.
    static func keptLabels(_ scope: ExpressionScope) -> [String] {
        var labels = [scope.nodeLabel.rawValue]
        for label in ["gpu", "namespace", "pod", "instance", "job", "uuid", "UUID"] where !labels.contains(label) { labels.append(label) }
        return labels
    }

    /// Every family's recording rule for each exporter but dcgm-exporter, over every node (`scope` gives each
    /// exporter's), leaving out the nodes that carry dcgm-exporter's own series. Each rule sets `sourceLabel` to its
    /// `source`.
    public static func rules(_ registry: ExporterRegistry, scope: (any GPUExporter) -> ExpressionScope) -> [(record: String, expression: String, source: ExporterKind)] {
        let native = registry.exporter(ExporterKind.dcgm) ?? DCGMExporter()
        let nativeScope = scope(native)
        let nativeNodes = "group by (\(nativeScope.nodeLabel.rawValue)) (\(nativeScope.family(native.heartbeat)))"
        return registry.exporters.filter { $0.kind != native.kind }.flatMap { exporter in
            rules(for: exporter, in: scope(exporter), nativeNodes: nativeNodes, nativeLabel: nativeScope.nodeLabel)
        }
    }

    static func rules(for exporter: any GPUExporter, in scope: ExpressionScope, nativeNodes: String,
                      nativeLabel: LabelName) -> [(record: String, expression: String, source: ExporterKind)] {
        let node = scope.nodeLabel.rawValue
        let kept = keptLabels(scope).joined(separator: ", ")
        let model = exporter.modelLabel
        // One model per node (a model label's value, as the fleet's model column reads it), renamed modelName.
        let models = "topk by (\(node)) (1, group by (\(node), \(model.label)) (\(scope.family(model.family))))"
        let dcgmNodes = scope.copy(nativeNodes, to: node, from: nativeLabel.rawValue)
        return families.compactMap { family in
            guard let expression = family.expression(exporter, scope) else { return nil }
            let values = "max by (\(kept)) (\(expression))"
            var series = "(\(values) * on (\(node)) group_left (\(model.label)) \(models) or (\(values) unless on (\(node)) \(models)))"
            series = scope.copy(series, to: "modelName", from: model.label)
            if model.label != "modelName" { series = scope.copy(series, to: model.label, from: "", "", "") }
            // nvidia_gpu_exporter's uuid lacks dcgm-exporter's `GPU-` prefix.
            series = scope.copy(series, to: "UUID", from: "uuid", "(?:GPU-)?(.+)", "GPU-$1")
            series = scope.copy(series, to: "uuid", from: "", "", "")
            series = scope.copy(series, to: "Hostname", from: node)
            return (family.name, "\(series) unless on (\(node)) \(dcgmNodes)", exporter.kind)
        }
    }
}
