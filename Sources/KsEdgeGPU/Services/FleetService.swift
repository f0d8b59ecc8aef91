import Foundation
import Logging
import Synchronization

/// Reads the whole fleet for `FleetIndexService`: the fleet's recording rules' series with one selector when this
/// configuration's rules are loaded, otherwise one aggregation query per exporter (a constant number, whatever the
/// fleet size); plus the inventory. When Prometheus cannot answer it keeps the index it had, or lists the stored
/// snapshots.
public struct FleetService<Source: MetricsSource, Store: InventoryStore>: Sendable {
    let context: GPUContext<Source, Store>
    let rules: FleetRecordingRules
    /// Whether the last read found the recording rules: tried first at start, and while aggregating the rules' marker
    /// rides along with the queries, so rules loaded later are read from the next refresh on.
    private let readsRecorded = Flag(true)

    public init(context: GPUContext<Source, Store>) {
        self.context = context
        rules = FleetRecordingRules(queries: context.queries)
    }

    /// A new index from Prometheus; on failure `previous` kept (rows no longer online), or without one the stored
    /// snapshots. Throws only when there is nothing to show (503) or the refresh was cancelled.
    public func index(after previous: FleetIndex?) async throws -> FleetIndex {
        let problemsQuery = context.queries.fleetProblems(context.thresholds)
        let answer: (rows: [FleetQuery.Row], recorded: Bool)
        do {
            answer = try await fleetRows()
        } catch {
            if error == .cancelled { throw CancellationError() }
            if let previous {
                context.logger.warning("Prometheus query failed; keeping the fleet index", metadata: ["error": "\(error)"])
                return try previous.keptAfterFailedRefresh()
            }
            context.logger.warning("Prometheus query failed; listing the stored snapshots", metadata: ["error": "\(error)"])
            return try await storedIndex(error: error)
        }
        let readAt = context.now()
        let boards = try await context.store.boards()
        let inventory = Dictionary(boards.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = answer.rows
        let tripped: [String: [Problem]]
        do {
            // Folded as parsed: a fleet with many problems is not held as series beside the index being made.
            let empty = problemsQuery.folding(exporters: Dictionary(rows.map { ($0.node, $0.exporter) }, uniquingKeysWith: { first, _ in first }))
            tripped = try await context.source.query(all: problemsQuery.promQL, folding: empty).reduce(into: empty) { $0.merge($1) }.problems
        } catch {
            if error == .cancelled { throw CancellationError() }
            // The rows are fresh: they are not thrown away for want of the problems, which are kept as last read.
            context.logger.warning("Prometheus did not say where problems trip; keeping each node's last known problems", metadata: ["error": "\(error)"])
            tripped = Dictionary(grouping: (previous?.problems ?? []).filter { !$0.code.isStatus }, by: \.node).mapValues { $0.map(\.problem) }
        }
        var items: [String: FleetList.Item] = [:]
        var problems: [ProblemList.Item] = []
        var staleAt: [String: Date] = [:]
        /// The node's health as its snapshot states it: the problems its signals trip, and its status'.
        func health(_ node: String, _ status: NodeStatus) -> (HealthStatus, Int) {
            let found = (status == .offline ? [] : tripped[node] ?? []) + (Problems.statusProblem(status).map { [$0] } ?? [])
            problems += found.map { ProblemList.Item(node: node, $0) }
            return (NodeGPU.Health(problems: found, unknown: []).status, found.count)
        }
        for row in rows {
            let seen = row.seen.map { Date(timeIntervalSince1970: $0) }
            let status = seen.map { context.freshness.status(observedAt: $0, pushed: row.pushed, now: readAt) } ?? .stale
            if let seen { staleAt[row.node] = context.freshness.staleAt(observedAt: seen, pushed: row.pushed) }
            let (worst, count) = health(row.node, status)
            items[row.node] = FleetList.Item(
                node: row.node, exporter: row.exporter, status: status,
                model: row.model ?? inventory[row.node]?.model, gpuUtilizationPercent: row.utilization,
                gpuTemperatureCelsius: row.temperature, powerWatts: row.power, memoryUtilizationPercent: row.memory,
                gpuCount: row.gpuCount, gpuMemoryUsedBytes: row.gpuMemoryUsed, gpuMemoryTotalBytes: row.gpuMemoryTotal,
                lastSeen: [seen, inventory[row.node]?.lastSeen].compactMap { $0 }.max(), health: worst, problems: count)
        }
        for board in boards where items[board.node] == nil {
            let (worst, count) = health(board.node, .offline)
            items[board.node] = FleetList.Item(
                node: board.node, exporter: board.exporter, status: .offline, model: board.model,
                gpuUtilizationPercent: nil, gpuTemperatureCelsius: nil, powerWatts: nil, lastSeen: board.lastSeen, health: worst, problems: count)
        }
        return try FleetIndex(items: Array(items.values), problems: problems, staleAt: staleAt, origin: .prometheus, readAt: readAt,
                              recorded: answer.recorded, scraped: Set(rows.filter { !$0.pushed }.map(\.node)))
    }

    /// The fleet's rows, recorded or aggregated now, and which. Until the rules are read, each refresh first asks for
    /// their marker alone: asked beside the aggregation, its answer would be lost whenever the aggregation fails, and a
    /// fleet too large to aggregate within the deadline would never find its rules.
    private func fleetRows() async throws(UpstreamError) -> (rows: [FleetQuery.Row], recorded: Bool) {
        if !readsRecorded.value, case .recorded = rules.decode(try await context.source.query(rules.readMarker)) {
            context.logger.info("fleet recording rules found; reading them")
            readsRecorded.value = true
        }
        if readsRecorded.value {
            switch try await context.source.query(rules.read, folding: rules.reader).reading {
            case .recorded(let rows):
                return (rows, true)
            case .absent:
                context.logger.info("fleet recording rules not loaded; aggregating in each refresh (see `ks-edge-gpu rules`)")
            case .otherRevision(let loaded):
                context.logger.warning("fleet recording rules of another revision are loaded; aggregating in each refresh", metadata: [
                    "loaded": "\(loaded)", "expected": "\(rules.revision)", "fix": "load the output of `ks-edge-gpu rules` with this configuration's flags",
                ])
            }
            readsRecorded.value = false
        }
        let fleet = context.queries.fleet
        return (fleet.decode(try await context.source.query(all: fleet.promQL)), false)
    }

    /// Prometheus has not answered since start: every known node, with its last good snapshot's values, as `stale`.
    private func storedIndex(error: UpstreamError) async throws -> FleetIndex {
        let boards = try await context.store.boards()
        guard !boards.isEmpty else { throw APIError.upstreamUnavailable(error) }
        let snapshots = Dictionary(try await context.store.snapshots().map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
        var problems: [ProblemList.Item] = []
        let items = boards.map { board in
            // As the node view serves it: the stored snapshot's problems, with node_stale.
            let health = Problems.health(snapshots[board.node]?.health ?? NodeGPU.Health(problems: [], unknown: []), restatedFor: .stale)
            problems += health.problems.map { ProblemList.Item(node: board.node, $0) }
            var item = snapshots[board.node].map { FleetList.Item($0, status: .stale, inventoryModel: board.model, lastSeen: board.lastSeen) }
                ?? FleetList.Item(node: board.node, exporter: board.exporter, status: .stale, model: board.model,
                                  gpuUtilizationPercent: nil, gpuTemperatureCelsius: nil, powerWatts: nil, lastSeen: board.lastSeen)
            item.health = health.status
            item.problems = health.problems.count
            return item
        }
        return try FleetIndex(items: items, problems: problems, origin: .storage, readAt: nil)
    }
}

/// A flag shared by every copy of the struct that holds it.
final class Flag: Sendable {
    private let storage: Atomic<Bool>

    init(_ value: Bool) { storage = Atomic(value) }

    var value: Bool {
        get { storage.load(ordering: .relaxed) }
        set { storage.store(newValue, ordering: .relaxed) }
    }
}

extension FleetList.Item {
    /// A fleet row from a node's snapshot: mean GPU load, hottest GPU, measured board input or else summed GPU power,
    /// share of RAM in use, the GPUs with a load reading and their memory summed.
    /// The model is the snapshot's own, or the inventory's where the snapshot has none.
    init(_ snapshot: NodeGPU, status: NodeStatus, inventoryModel: String?, lastSeen: Date?) {
        let load = snapshot.gpus.compactMap(\.utilizationPercent)
        let gpuPower = snapshot.gpus.compactMap(\.powerWatts)
        self.init(
            node: snapshot.node,
            exporter: snapshot.exporter,
            status: status,
            model: snapshot.board.model ?? inventoryModel,
            gpuUtilizationPercent: load.mean,
            gpuTemperatureCelsius: snapshot.gpus.compactMap(\.temperatureCelsius).max(),
            powerWatts: snapshot.power.totalWatts ?? gpuPower.sum,
            memoryUtilizationPercent: snapshot.memory.utilizationPercent,
            gpuCount: load.isEmpty ? nil : load.count,
            gpuMemoryUsedBytes: snapshot.gpus.compactMap(\.memoryUsedBytes).sum,
            gpuMemoryTotalBytes: snapshot.gpus.compactMap(\.memoryTotalBytes).sum,
            lastSeen: lastSeen
        )
    }
}

extension NodeGPU.Memory {
    /// Used over total, in percent; nil where either is unknown.
    var utilizationPercent: Double? {
        guard let usedBytes, let totalBytes, totalBytes > 0 else { return nil }
        return (100 * usedBytes / totalBytes).roundedToMillionths
    }
}

extension FleetSummary {
    /// Pure: the summary of a fleet list (the whole fleet, before any filter or page).
    public init(_ fleet: FleetList) {
        let count = { (status: NodeStatus) in fleet.items.filter { $0.status == status }.count }
        let online = fleet.items.filter { $0.status == .online }
        let load = online.compactMap(\.gpuUtilizationPercent)
        let hottest = online.compactMap { item in item.gpuTemperatureCelsius.map { (item.node, $0) } }
            .max { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 > $1.0 }
        let power = online.compactMap(\.powerWatts)
        let health = { (status: HealthStatus) in fleet.items.filter { $0.health == status }.count }
        self.init(
            nodes: Counts(total: fleet.items.count, online: online.count, stale: count(.stale), offline: count(.offline)),
            meanGPUUtilizationPercent: load.mean?.roundedToMillionths,
            hottestGPU: hottest.map { Hottest(node: $0.0, celsius: $0.1) },
            totalPowerWatts: power.sum?.roundedToMillionths,
            nodesWithPower: power.count,
            health: HealthCounts(ok: health(.ok), info: health(.info), warning: health(.warning), critical: health(.critical)))
    }
}
