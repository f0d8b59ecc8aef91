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
        /// Each physical GPU once (a MIG instance's series repeat their GPU's model and UUID).
        public var gpus: [InventoryList.GPU]
        public var seen: Date
        /// Up to when this description is known to hold: the oldest of its families' newest samples (a new series can
        /// take a moment to be searchable, while the other families' newer scrapes already are).
        public var describedUpTo: Date

        public init(node: String, exporter: ExporterKind, board: NodeGPU.Board, gpus: [InventoryList.GPU] = [], seen: Date, describedUpTo: Date? = nil) {
            self.node = node
            self.exporter = exporter
            self.board = board
            self.gpus = gpus
            self.seen = seen
            self.describedUpTo = describedUpTo ?? seen
        }
    }

    /// How `series` (one node's, of the exporters' inventory families) describe the board; nil when no exporter's.
    public func board(of node: String, _ series: [Series], seen: Date) -> Board? {
        guard let (exporter, readings) = queries.exporters.describe(series) else { return nil }
        var gpus: [InventoryList.GPU] = []
        for gpu in readings.gpus where !gpus.contains(where: { $0.index == gpu.index }) {
            gpus.append(InventoryList.GPU(index: gpu.index, name: gpu.name, uuid: gpu.uuid))
        }
        return Board(node: node, exporter: exporter.kind, board: readings.board, gpus: gpus, seen: seen)
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
        return byNode.compactMap { node, all in
            // A value changed: the old series may still answer for a while (VictoriaMetrics keeps it until its lookback
            // ends). Of each family, only the series of the newest scrape describe the board.
            let newest = Dictionary(grouping: all, by: \.name).mapValues { $0.compactMap { $0.latest?.value }.max() }
            let entries = all.filter { entry in entry.latest?.value == newest[entry.name] ?? nil }
            // Values are sample times, so only the board and the exporter are taken from the readings.
            guard let scraped = entries.compactMap({ $0.latest?.value }).filter(\.isFinite).max(),
                  var described = board(of: node, entries, seen: Date(timeIntervalSince1970: pushedAt[node] ?? scraped)) else { return nil }
            if let oldest = newest.values.compactMap({ $0 }).min(), pushedAt[node] == nil { described.describedUpTo = Date(timeIntervalSince1970: oldest) }
            return described
        }
        .sorted { $0.node < $1.node }
    }
}
