import Foundation

/// `metrics` of one node (or of the listed nodes, or of every node) over time in one `query_range`, whichever exporter each runs:
/// each exporter's and node-exporter's expression of each metric, tagged `<metric>:<source>`, plus the families the
/// exporters need to interpret them. Where both measure a metric (RAM, CPU cores), node-exporter's series win. For a node that
/// pushes through a Pushgateway, whose series Prometheus keeps current for ever, steps more than 3 push intervals after
/// its last push are gaps.
public struct HistoryQuery: Sendable {
    public let nodes: Nodes
    public let metrics: [HistoryMetric]
    let queries: GPUQueries

    /// Whose series the query selects.
    public enum Nodes: Sendable, Hashable {
        case one(NodeName)
        case listed(NodeAlternation)
        case every

        /// The matchers selecting these nodes by `label` (none for every node).
        func selector(_ label: LabelName) -> Selector {
            switch self {
            case .one(let node): Selector().equal(label, node.rawValue)
            case .listed(let listed): Selector().matching(label, listed)
            case .every: Selector()
            }
        }
    }

    func scope(_ exporter: any GPUExporter) -> ExpressionScope { queries.scope(nodes, exporter) }

    public var promQL: PromQL {
        var clauses = metrics.flatMap { metric in
            queries.exporters.exporters.compactMap { exporter in
                exporter.expression(metric, in: scope(exporter))
                    .map { FamilyTag.tag($0, as: FamilyTag.tag(metric.rawValue, exporter.kind)) }
            }
        }
        let hostScope = queries.nodeExporterScope(nodes)
        clauses += metrics.compactMap { metric in
            queries.exporters.nodeExporter.expression(metric, in: hostScope, rates: queries.counterRate)
                .map { FamilyTag.tag($0, as: FamilyTag.tag(metric.rawValue, .nodeExporter)) }
        }
        for exporter in queries.exporters.exporters {
            let scope = scope(exporter)
            clauses += exporter.historyContextFamilies(for: metrics).map { FamilyTag.tag(scope.family($0), as: $0) }
            clauses.append(LastPush.tagged(exporter, in: scope))
        }
        return PromQL(trusted: clauses.joined(separator: " or "))
    }

    /// The evaluation times: `start`, `start + step`, … up to `end` (unix seconds).
    public struct Range: Sendable, Hashable {
        public var start: Double
        public var end: Double
        public var step: Double

        public init(start: Double, end: Double, step: Double) {
            self.start = start
            self.end = end
            self.step = step
        }

        public var pointCount: Int { Int(((end - start) / step).rounded(.down)) + 1 }

        /// `start` and `end` moved back to multiples of `step`, so points land on the same times whenever the range is
        /// asked (a chart redrawn a few seconds later asks Prometheus, and the answer cache, for the same points).
        /// Never moved forward: a point after `end` would show a value at a time it was not yet seen.
        public var aligned: Range {
            Range(start: (start / step).rounded(.down) * step, end: (end / step).rounded(.down) * step, step: step)
        }

        /// One point, at `time`.
        public static func instant(_ time: Double) -> Range { Range(start: time, end: time, step: 1) }
    }

    /// Every selected node's series (a query of more than one node), by node name.
    /// Only nodes a GPU exporter describes: node-exporter runs on every node, GPU or not.
    public func decodeByNode(_ answer: [Series], over range: Range) -> [String: [HistorySeries]] {
        var byNode: [String: [Series]] = [:]
        var gpuNodes = Set<String>()
        for entry in answer {
            guard let tag = entry.labels[FamilyTag.label], let label = nodeLabel(ofTag: tag),
                  let node = entry.labels[label.rawValue], !node.isEmpty else { continue }
            byNode[node, default: []].append(entry)
            if FamilyTag.parse(tag)?.source != .nodeExporter { gpuNodes.insert(node) }
        }
        return byNode.filter { gpuNodes.contains($0.key) }.mapValues { decode($0, over: range) }
    }

    /// The label naming the node of a tagged series: its source's, or for a context family its exporter's.
    func nodeLabel(ofTag tag: String) -> LabelName? {
        switch FamilyTag.parse(tag)?.source {
        case .nodeExporter: return queries.nodeLabels.nodeExporter
        case let source?: return queries.exporters.exporter(source).map { queries.nodeLabels[$0] }
        case nil: return queries.exporters.exporter(ofFamily: tag).map { queries.nodeLabels[$0] }
        }
    }

    /// One node's series per metric and GPU, core, sensor or rail, sorted, with a point at every step (null in gaps).
    public func decode(_ answer: [Series], over range: Range) -> [HistorySeries] {
        let context = MetricFamilies(FamilyTag.restore(answer.filter { $0.labels[FamilyTag.label].flatMap(FamilyTag.parse) == nil }))
        var filters: [DataSource: HistorySeriesFilter] = [:]
        var seen = Set<[String: String]>()
        var result: [HistorySeries] = []
        let tagged = answer.compactMap { series in series.labels[FamilyTag.label].flatMap(FamilyTag.parse).map { (series, $0) } }
        let lastPushes = tagged.filter { $0.1.name == LastPush.family }.flatMap(\.0.points)
        let pushedAt = Dictionary(lastPushes.map { (Self.step($0.timestamp, range), $0.value) }, uniquingKeysWith: max)
        // Where node-exporter measures a metric of the node, it is that metric's one source (every core, numbered as
        // in the snapshot), and an exporter's series of it are left out.
        let host = tagged.filter { $0.1.source == .nodeExporter }
        let measuredByHost = Set(host.compactMap { HistoryMetric(rawValue: String($0.1.name)) })
        for (series, (name, source)) in host + tagged.filter({ $0.1.source != .nodeExporter }) {
            guard let metric = HistoryMetric(rawValue: String(name)) else { continue }
            let labels: [String: String]
            if let exporter = queries.exporters.exporter(source) {
                guard !measuredByHost.contains(metric) else { continue }
                labels = series.labels.filter { metric.labelNames.contains($0.key) }
                let keeps = filters[source] ?? exporter.historySeriesFilter(context: context)
                filters[source] = keeps
                guard keeps(metric, labels) else { continue }
            } else {
                guard let hostLabels = queries.exporters.nodeExporter.historyLabels(metric, series.labels) else { continue }
                labels = hostLabels
            }
            // A MIG-partitioned GPU repeats its physical readings on every instance's series: keep one.
            guard seen.insert(labels.merging(["ks_metric": metric.rawValue]) { first, _ in first }).inserted else { continue }
            var points = Self.fill(series.points, range)
            for index in points.indices {
                if let push = pushedAt[index], points[index].timestamp - push > queries.pushedValuesLast { points[index].value = nil }
            }
            result.append(HistorySeries(metric: metric, unit: metric.unit, labels: labels, points: points))
        }
        return result.sorted { lhs, rhs in
            lhs.metric != rhs.metric ? lhs.metric.rawValue < rhs.metric.rawValue
                : Self.sortKey(lhs.labels).compare(Self.sortKey(rhs.labels), options: .numeric) == .orderedAscending
        }
    }

    /// The index of the step at `timestamp`.
    static func step(_ timestamp: Double, _ range: Range) -> Int { Int(((timestamp - range.start) / range.step).rounded()) }

    /// Compared numerically: gpu2 before gpu10, core 2 before core 10.
    static func sortKey(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// One point per step from start to end; steps Prometheus returned nothing for are null, never 0.
    static func fill(_ points: [Series.Point], _ range: Range) -> [HistoryPoint] {
        let byStep = Dictionary(points.map { (step($0.timestamp, range), $0.value) }, uniquingKeysWith: { first, _ in first })
        return (0..<range.pointCount).map { index in
            let value = byStep[index].flatMap { $0.isFinite ? $0.roundedToMillionths : nil }
            return HistoryPoint(timestamp: range.start + Double(index) * range.step, value: value)
        }
    }
}
