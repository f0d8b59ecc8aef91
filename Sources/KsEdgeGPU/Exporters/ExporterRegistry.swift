/// The exporters ks-edge-gpu reads, in a stable order (queries are built and sent in this order), and node-exporter,
/// whose host facts are joined into every node a GPU exporter describes.
public struct ExporterRegistry: Sendable {
    public let exporters: [any GPUExporter]
    public let nodeExporter: NodeExporter

    public init(_ exporters: [any GPUExporter], nodeExporter: NodeExporter = NodeExporter()) {
        precondition(Set(exporters.map(\.kind)).count == exporters.count, "an exporter is registered twice")
        self.exporters = exporters
        self.nodeExporter = nodeExporter
    }

    /// Every exporter this release knows.
    public static let standard = ExporterRegistry([JetsonCollector(), DCGMExporter(), NvidiaSMIExporter()])

    public func exporter(_ kind: ExporterKind) -> (any GPUExporter)? {
        exporters.first { $0.kind == kind }
    }

    /// The GPU exporter of a data source; nil for node-exporter.
    public func exporter(_ source: DataSource) -> (any GPUExporter)? {
        exporters.first { DataSource($0.kind) == source }
    }

    /// The exporter that writes the family `name`, by its prefix.
    public func exporter(ofFamily name: String) -> (any GPUExporter)? {
        exporters.first { name.hasPrefix($0.metricPrefix) }
    }

    /// Who writes the family `name`: an exporter's kind, node-exporter, or for any other family its name (one source:
    /// the Pushgateway's push times).
    public func source(ofFamily name: String) -> String {
        if let exporter = exporter(ofFamily: name) { return DataSource(exporter.kind).rawValue }
        return nodeExporter.owns(name) ? DataSource.nodeExporter.rawValue : name
    }

    /// Pure: what every exporter and node-exporter compute from one node's samples for its snapshot (rates).
    public func snapshotRates(_ window: SampleWindow) -> [Series] {
        exporters.flatMap { $0.snapshotRates(window) } + nodeExporter.snapshotRates(window)
    }

    /// Pure: which exporter describes a node whose series are `series`, and what its own series say, with
    /// node-exporter's joined in. Nil when none of the series is from a known GPU exporter. A node carrying two
    /// exporters is described by the richest one (`rank`).
    public func describe(_ series: [Series]) -> (exporter: any GPUExporter, readings: NodeReadings)? {
        var present = Set<ExporterKind>()
        for entry in series {
            if let exporter = exporter(ofFamily: entry.name) { present.insert(exporter.kind) }
        }
        guard let chosen = exporters.filter({ present.contains($0.kind) }).max(by: { $0.rank < $1.rank }) else { return nil }
        var readings = chosen.readings(MetricFamilies(series.filter { $0.name.hasPrefix(chosen.metricPrefix) }))
        nodeExporter.join(MetricFamilies(series.filter { nodeExporter.owns($0.name) }), into: &readings)
        if chosen.isIntegrated { readings.shareBoardWithIntegratedGPU() }
        return (chosen, readings)
    }
}
