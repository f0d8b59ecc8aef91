import Foundation

/// When a board first showed something (a new JetPack, another serial, its return): the raw samples of the node's
/// inventory families since `since`, which carry their own scrape times, and the first of those times at which the
/// board, described from the series it had then, shows it. A description changes by a label changing, so by a new
/// series starting: only the series' first samples need trying. Two replicas, or one before and after a restart, find
/// the same sample, so the ledger records the change at the same time. Asked only when a change is confirmed.
public struct ChangeTimeQuery: Sendable {
    let queries: GPUQueries
    public let node: NodeName
    public let since: Date
    public let now: Date

    public init(queries: GPUQueries, node: NodeName, since: Date, now: Date) {
        self.queries = queries
        self.node = node
        self.since = since
        self.now = now
    }

    /// One range selector per node label and set of own-series matchers (a range vector cannot be joined with `or`).
    public var promQL: [PromQL] {
        let seconds = max(1, Int(now.timeIntervalSince(since).rounded(.up)))
        var groups: [(selector: Selector, names: [String])] = []
        for exporter in queries.exporters.exporters {
            let selector = exporter.ownSeries.equal(queries.nodeLabels[exporter], node.rawValue)
            if let index = groups.firstIndex(where: { $0.selector == selector }) {
                groups[index].names += exporter.inventoryFamilies
            } else {
                groups.append((selector, exporter.inventoryFamilies))
            }
        }
        return groups.map { group in
            PromQL(trusted: "\(group.selector.matching(.metricName, trustedPattern: group.names.joined(separator: "|")).text)[\(seconds)s]")
        }
    }

    /// The first sample time after `since` at which the board as described `shows` it; nil when none does.
    public func firstShowing(_ series: [Series], where shows: (InventoryQuery.Board) -> Bool) -> Date? {
        let after = since.timeIntervalSince1970
        let spans = series.compactMap { entry -> (series: Series, first: Double, last: Double)? in
            // A NaN ends a series (a staleness marker: VictoriaMetrics returns them among raw samples).
            let points = entry.points.filter { $0.timestamp > after && !$0.value.isNaN }
            guard let first = points.first?.timestamp, let last = points.last?.timestamp else { return nil }
            return (Series(labels: entry.labels, points: points), first, last)
        }
        for time in Set(spans.map(\.first)).sorted() {
            let present = spans.filter { $0.first <= time && $0.last >= time }.map(\.series)
            let moment = Date(timeIntervalSince1970: time)
            if let board = queries.inventory.board(of: node.rawValue, present, seen: moment), shows(board) { return moment }
        }
        return nil
    }
}
