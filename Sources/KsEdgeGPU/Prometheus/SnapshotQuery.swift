import Foundation

/// All GPU families of one node as Prometheus holds them now, what exporters compute from them (rates of their
/// counters), node-exporter's host facts, the time of the newest scrape (instant values carry the evaluation time,
/// not the scrape's), and for a node that pushes through a Pushgateway, the time of its last push. One query when every exporter and node-exporter name nodes with the same
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
            // One selector per set of own-series matchers (most exporters have none, so one selector in all).
            var parts: [(own: Selector, names: [String], heartbeats: [String])] = []
            for exporter in exporters {
                if let index = parts.firstIndex(where: { $0.own == exporter.ownSeries }) {
                    parts[index].names.append(exporter.metricPrefix + ".*")
                    parts[index].heartbeats.append(exporter.heartbeat)
                } else {
                    parts.append((exporter.ownSeries, [exporter.metricPrefix + ".*"], [exporter.heartbeat]))
                }
            }
            if joinsHost {
                if let index = parts.firstIndex(where: { $0.own == Selector() }) { parts[index].names += nodeExporter.families }
                else { parts.append((Selector(), nodeExporter.families, [])) }
            }
            let select = { (own: Selector, names: [String]) in own.matching(.metricName, trustedPattern: names.joined(separator: "|")).equal(label, node.rawValue) }
            let families = parts.map { select($0.own, $0.names).text }
            // timestamp() gives sample times only when applied to a selector itself (over a function it gives the
            // evaluation time), and it drops names: so one family per exporter whose series never share labels.
            let heartbeats = parts.filter { !$0.heartbeats.isEmpty }.map { select($0.own, $0.heartbeats).text }
            let observed = "max(\(heartbeats.map { "timestamp(\($0))" }.joined(separator: " or ")))"
            let pushed = LastPush.expression(in: Selector().equal(label, node.rawValue), label: label, heartbeats: heartbeats.joined(separator: " or "))
            let exporterClauses = exporters.flatMap { exporter in
                exporter.snapshotClauses(in: queries.scope(node, exporter), rates: queries.counterRate).map { FamilyTag.tag($0.expression, as: $0.family) }
            }
            return (families + [FamilyTag.tag(observed, as: Self.observedAt), FamilyTag.tag(pushed, as: LastPush.family)] + exporterClauses
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
