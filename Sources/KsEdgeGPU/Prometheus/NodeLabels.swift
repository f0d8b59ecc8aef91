/// The label that names the Kubernetes node, per exporter: `instance` after the ServiceMonitor's relabelling;
/// `Hostname` or `node` are common for dcgm-exporter.
public struct NodeLabels: Sendable {
    private let labels: [ExporterKind: LabelName]

    /// `common` (when set) for every exporter without an override, else each exporter's default.
    public init(_ registry: ExporterRegistry, common: LabelName? = nil, overrides: [ExporterKind: LabelName] = [:]) {
        labels = Dictionary(uniqueKeysWithValues: registry.exporters.map { ($0.kind, overrides[$0.kind] ?? common ?? $0.defaultNodeLabel) })
    }

    public subscript(_ exporter: any GPUExporter) -> LabelName { labels[exporter.kind] ?? exporter.defaultNodeLabel }
}
