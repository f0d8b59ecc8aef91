import Foundation

/// The identity families of every node with their sample times (as values), for the board inventory.
public struct InventoryQuery: Sendable {
    let queries: GPUQueries

    public var promQL: PromQL {
        let families = queries.exporters.exporters.flatMap(\.inventoryFamilies)
        return PromQL(trusted: families.map { FamilyTag.tag("timestamp(\(Selector().equal(.metricName, $0).text))", as: $0) }
            .joined(separator: " or "))
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
        for entry in FamilyTag.restore(series) {
            guard let exporter = queries.exporters.exporter(ofFamily: entry.name),
                  let node = entry.labels[queries.nodeLabels[exporter].rawValue], NodeName.isValid(node) else { continue }
            byNode[node, default: []].append(entry)
        }
        return byNode.compactMap { node, entries in
            // Values are sample times, so only the board and the exporter are taken from the readings.
            guard let seen = entries.compactMap({ $0.latest?.value }).filter(\.isFinite).max(),
                  let (exporter, readings) = queries.exporters.describe(entries) else { return nil }
            return Board(node: node, exporter: exporter.kind, board: readings.board, seen: Date(timeIntervalSince1970: seen))
        }
        .sorted { $0.node < $1.node }
    }
}
