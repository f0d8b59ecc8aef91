import Foundation

/// All GPU families of one node as Prometheus holds them now, and the time of the newest scrape (instant values
/// carry the evaluation time, not the scrape's). One query when every exporter names nodes with the same label
/// (the default); one per distinct label otherwise.
public struct SnapshotQuery: Sendable {
    public let node: NodeName
    let queries: GPUQueries

    static let observedAt = "ks_observed_at"

    public var promQL: [PromQL] {
        queries.exportersByLabel.map { label, exporters in
            let families = Selector().matching(.metricName, trustedPattern: exporters.map { $0.metricPrefix + ".*" }.joined(separator: "|"))
                .equal(label, node.rawValue)
            // timestamp() gives sample times only when applied to a selector itself (over a function it gives the
            // evaluation time), and it drops names: so one family per exporter whose series never share labels.
            let heartbeats = Selector().matching(.metricName, trustedPattern: exporters.map(\.heartbeat).joined(separator: "|"))
                .equal(label, node.rawValue)
            return PromQL(trusted: "\(families.text) or \(FamilyTag.tag("max(timestamp(\(heartbeats.text)))", as: Self.observedAt))")
        }
    }

    public struct Answer: Sendable {
        public var exporter: ExporterKind
        public var readings: NodeReadings
        /// The newest heartbeat's scrape time; nil when no heartbeat family is present.
        public var observedAt: Date?
    }

    /// Nil when Prometheus holds no series of a known exporter for the node.
    public func decode(_ series: [Series]) -> Answer? {
        let answer = FamilyTag.restore(series)
        let observedAt = answer.filter { $0.name == Self.observedAt }.compactMap(\.latest?.value).max()
        guard let (exporter, readings) = queries.exporters.describe(answer.filter { $0.name != Self.observedAt }) else { return nil }
        return Answer(exporter: exporter.kind, readings: readings, observedAt: observedAt.map { Date(timeIntervalSince1970: $0) })
    }
}
