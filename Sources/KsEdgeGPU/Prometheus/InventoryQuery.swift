import Foundation

/// The identity families of every node with their sample times (as values), for the board inventory, and the time
/// of each pushed node's last push: a Pushgateway's series look newly scraped for ever, so a node that stopped pushing
/// is last seen at its last push.
public struct InventoryQuery: Sendable {
    let queries: GPUQueries

    public var promQL: PromQL {
        let families = queries.exporters.exporters.flatMap { exporter in
            exporter.inventoryFamilies.map { FamilyTag.tag("timestamp(\(exporter.ownSeries.equal(.metricName, $0).text))", as: $0) }
        }
        let pushes = queries.exporters.exporters.map { LastPush.tagged($0, in: queries.fleetScope($0)) }
        return PromQL(trusted: (families + pushes).joined(separator: " or "))
    }

    /// A board as its exporter describes it, last seen at its newest sample.
    public struct Board: Sendable, Equatable {
        public var node: String
        public var exporter: ExporterKind
        public var board: NodeGPU.Board
        public var seen: Date
    }

    /// One board per node with a valid name, sorted by node.
    public func decode(_ series: [Series]) -> [Board] {
        var byNode: [String: [Series]] = [:]
        var pushedAt: [String: Double] = [:]
        for entry in series {
            guard let (name, source) = entry.labels[FamilyTag.label].flatMap(FamilyTag.parse), name == LastPush.family,
                  let exporter = queries.exporters.exporter(source), let node = entry.labels[queries.nodeLabels[exporter].rawValue],
                  let time = entry.latest?.value, time.isFinite else { continue }
            pushedAt[node] = max(pushedAt[node] ?? time, time)
        }
        for entry in FamilyTag.restore(series) {
            guard let exporter = queries.exporters.exporter(ofFamily: entry.name),
                  let node = entry.labels[queries.nodeLabels[exporter].rawValue], NodeName.isValid(node) else { continue }
            byNode[node, default: []].append(entry)
        }
        return byNode.compactMap { node, entries in
            // Values are sample times, so only the board and the exporter are taken from the readings.
            guard let scraped = entries.compactMap({ $0.latest?.value }).filter(\.isFinite).max(),
                  let (exporter, readings) = queries.exporters.describe(entries) else { return nil }
            let seen = pushedAt[node] ?? scraped
            return Board(node: node, exporter: exporter.kind, board: readings.board, seen: Date(timeIntervalSince1970: seen))
        }
        .sorted { $0.node < $1.node }
    }
}
