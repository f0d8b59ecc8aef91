import Foundation
@testable import KsEdgeGPU

/// A node's snapshot as the registered exporters read `series`: online, observed at the newest sample of the
/// exporter that describes it. What the snapshot service serves for a node whose heartbeat is that sample.
enum Normalizer {
    static func normalize(node: String, series: [Series]) -> NodeGPU? {
        guard let (exporter, readings) = ExporterRegistry.standard.describe(series) else { return nil }
        let newest = series.filter { $0.name.hasPrefix(exporter.metricPrefix) }.compactMap(\.latest?.timestamp).max()
        return NodeGPU(node: node, exporter: exporter.kind, status: .online,
                       observedAt: newest.map { Date(timeIntervalSince1970: $0) }, readings: readings)
    }
}
