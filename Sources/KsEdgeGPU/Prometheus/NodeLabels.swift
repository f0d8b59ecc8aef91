/// The label that names the Kubernetes node, per exporter: `instance` after the ServiceMonitor's relabelling;
/// `Hostname` or `node` are common for dcgm-exporter.
/// node-exporter's is set on its own (`instance` unless configured).
public struct NodeLabels: Sendable {
    private let labels: [ExporterKind: LabelName]
    public let nodeExporter: LabelName

    /// `common` (when set) for every exporter without an override, else each exporter's default.
    public init(_ registry: ExporterRegistry, common: LabelName? = nil, overrides: [ExporterKind: LabelName] = [:],
                nodeExporter: LabelName = .instance) {
        labels = Dictionary(uniqueKeysWithValues: registry.exporters.map { ($0.kind, overrides[$0.kind] ?? common ?? $0.defaultNodeLabel) })
        self.nodeExporter = nodeExporter
    }

    public subscript(_ exporter: any GPUExporter) -> LabelName { labels[exporter.kind] ?? exporter.defaultNodeLabel }
}
