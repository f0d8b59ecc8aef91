import Foundation
import Logging

/// Builds `GET /edge/nodes`: one Prometheus query per exporter whatever the fleet size, plus the inventory.
public struct FleetService<Source: MetricsSource, Store: InventoryStore>: Sendable {
    let context: GPUContext<Source, Store>
    private let cache: ResponseCache<FleetList>

    public init(context: GPUContext<Source, Store>, cacheTTL: Duration = .zero) {
        self.context = context
        cache = ResponseCache(name: "fleet", ttl: cacheTTL)
    }

    /// The whole fleet, sorted by node name. Concurrent callers share one Prometheus query.
    public func list() async throws -> FleetList {
        try await cache.value(for: "fleet") { try await load() }
    }

    private func load() async throws -> FleetList {
        let boards = try await context.store.boards()
        let inventory = Dictionary(boards.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })

        let query = context.queries.fleet
        let answer: [Series]
        do {
            answer = try await context.source.query(all: query.promQL)
        } catch {
            if error == .cancelled { throw CancellationError() }
            context.logger.warning("Prometheus query failed; listing the stored snapshots", metadata: ["error": "\(error)"])
            return try await storedList(inventory: inventory, error: error)
        }
        var items: [String: FleetList.Item] = [:]
        for row in query.decode(answer) {
            let seen = row.seen.map { Date(timeIntervalSince1970: $0) }
            items[row.node] = FleetList.Item(
                node: row.node, exporter: row.exporter,
                status: seen.map { context.freshness.status(observedAt: $0, pushed: row.pushed, now: context.now()) } ?? .stale,
                model: row.model ?? inventory[row.node]?.model, gpuUtilizationPercent: row.utilization,
                gpuTemperatureCelsius: row.temperature, powerWatts: row.power, memoryUtilizationPercent: row.memory,
                lastSeen: [seen, inventory[row.node]?.lastSeen].compactMap { $0 }.max())
        }
        for board in boards where items[board.node] == nil {
            items[board.node] = FleetList.Item(
                node: board.node, exporter: board.exporter, status: .offline, model: board.model,
                gpuUtilizationPercent: nil, gpuTemperatureCelsius: nil, powerWatts: nil, lastSeen: board.lastSeen)
        }
        let sorted = items.values.sorted { $0.node < $1.node }
        return FleetList(items: sorted, totalItems: sorted.count)
    }

    /// Prometheus cannot answer: every known node, with its last good snapshot's values, as `stale`.
    private func storedList(inventory: [String: BoardRecord], error: UpstreamError) async throws -> FleetList {
        guard !inventory.isEmpty else { throw APIError.upstreamUnavailable(error) }
        let snapshots = Dictionary(try await context.store.snapshots().map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
        let items = inventory.values.sorted { $0.node < $1.node }.map { board in
            snapshots[board.node].map { FleetList.Item($0, status: .stale, inventoryModel: board.model, lastSeen: board.lastSeen) }
                ?? FleetList.Item(node: board.node, exporter: board.exporter, status: .stale, model: board.model,
                                  gpuUtilizationPercent: nil, gpuTemperatureCelsius: nil, powerWatts: nil, lastSeen: board.lastSeen)
        }
        return FleetList(items: items, totalItems: items.count)
    }
}

extension FleetList.Item {
    /// A fleet row from a node's snapshot: mean GPU load, hottest GPU, measured board input or else summed GPU power,
    /// share of RAM in use.
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
            powerWatts: snapshot.power.totalWatts ?? (gpuPower.isEmpty ? nil : gpuPower.reduce(0, +)),
            memoryUtilizationPercent: snapshot.memory.utilizationPercent,
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
        self.init(
            nodes: Counts(total: fleet.items.count, online: online.count, stale: count(.stale), offline: count(.offline)),
            meanGPUUtilizationPercent: load.mean?.roundedToMillionths,
            hottestGPU: hottest.map { Hottest(node: $0.0, celsius: $0.1) },
            totalPowerWatts: power.isEmpty ? nil : power.reduce(0, +).roundedToMillionths,
            nodesWithPower: power.count)
    }
}
