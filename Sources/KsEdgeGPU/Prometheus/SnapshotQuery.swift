import Foundation

/// All GPU families of one node as Prometheus holds them now, node-exporter's host facts, the time of the newest
/// scrape (instant values carry the evaluation time, not the scrape's), and for a node that pushes through a
/// Pushgateway, the time of its last push. One query when every exporter and node-exporter name nodes with the same
/// label (the default); one per distinct label otherwise.
public struct SnapshotQuery: Sendable {
    public let node: NodeName
    let queries: GPUQueries

    static let observedAt = "ks_observed_at"

    public var promQL: [PromQL] {
        let nodeExporter = queries.exporters.nodeExporter
        let nodeExporterLabel = queries.nodeLabels.nodeExporter
        let scope = queries.nodeExporterScope(node)
        let hostClauses = nodeExporter.snapshotClauses(in: scope, rates: queries.counterRate).map { FamilyTag.tag($0.expression, as: $0.family) }
        let groups = queries.exportersByLabel
        var texts = groups.map { label, exporters in
            let joinsHost = label == nodeExporterLabel
            let names = exporters.map { $0.metricPrefix + ".*" } + (joinsHost ? nodeExporter.families : [])
            let families = queries.exporterSeries(label, node).matching(.metricName, trustedPattern: names.joined(separator: "|"))
            // timestamp() gives sample times only when applied to a selector itself (over a function it gives the
            // evaluation time), and it drops names: so one family per exporter whose series never share labels.
            let heartbeats = queries.exporterSeries(label, node).matching(.metricName, trustedPattern: exporters.map(\.heartbeat).joined(separator: "|"))
            return ([families.text, FamilyTag.tag("max(timestamp(\(heartbeats.text)))", as: Self.observedAt),
                     FamilyTag.tag(LastPush.expression(in: Selector().equal(label, node.rawValue), label: label, heartbeats: heartbeats), as: LastPush.family)]
                    + (joinsHost ? hostClauses : []))
                .joined(separator: " or ")
        }
        if !groups.contains(where: { $0.label == nodeExporterLabel }) {
            let families = Selector().matching(.metricName, trustedPattern: nodeExporter.families.joined(separator: "|"))
                .equal(nodeExporterLabel, node.rawValue)
            texts.append(([families.text] + hostClauses).joined(separator: " or "))
        }
        return texts.map(PromQL.init(trusted:))
    }

    public struct Answer: Sendable {
        public var exporter: ExporterKind
        public var readings: NodeReadings
        /// The newest heartbeat's scrape time, or for a pushed node the time of its last push; nil when no heartbeat
        /// family is present.
        public var observedAt: Date?
        /// The node's series come through a Pushgateway.
        public var pushed: Bool
    }

    /// Nil when Prometheus holds no series of a known GPU exporter for the node.
    public func decode(_ series: [Series]) -> Answer? {
        let answer = FamilyTag.restore(series)
        let time = { (name: String) in answer.filter { $0.name == name }.compactMap(\.latest?.value).max() }
        let (scraped, pushed) = (time(Self.observedAt), time(LastPush.family))
        guard let (exporter, readings) = queries.exporters.describe(answer.filter { $0.name != Self.observedAt && $0.name != LastPush.family })
        else { return nil }
        return Answer(exporter: exporter.kind, readings: readings, observedAt: (pushed ?? scraped).map { Date(timeIntervalSince1970: $0) },
                      pushed: pushed != nil)
    }
}
