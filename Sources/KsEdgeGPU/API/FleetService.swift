import Foundation
import Logging

/// Builds `GET /edge/nodes`: one Prometheus query whatever the fleet size, plus the inventory.
public struct FleetService<Source: MetricsSource, Store: InventoryStore>: Sendable {
    let source: Source
    let store: Store
    let queries: GPUQueries
    let freshness: Freshness
    let logger: Logger
    let now: @Sendable () -> Date
    private let cache: ResponseCache<FleetList>

    public init(source: Source, store: Store, queries: GPUQueries, freshness: Freshness, cacheTTL: Duration = .zero,
                logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.source = source
        self.store = store
        self.queries = queries
        self.freshness = freshness
        self.logger = logger
        self.now = now
        cache = ResponseCache(name: "fleet", ttl: cacheTTL)
    }

    /// The whole fleet, sorted by node name. Concurrent callers share one Prometheus query.
    public func list() async throws -> FleetList {
        try await cache.value(for: "fleet") { try await load() }
    }

    private func load() async throws -> FleetList {
        let boards = try await store.boards()
        let inventory = Dictionary(boards.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })

        let answer: [Series]
        do {
            answer = FamilyTag.restore(try await source.query(queries.fleet))
        } catch {
            logger.warning("Prometheus query failed; listing the stored snapshots", metadata: ["error": "\(error)"])
            return try await storedList(inventory: inventory, error: error)
        }

        // Per node: the newest live sample time, and the fleet families' values grouped by node.
        var liveSince: [String: Double] = [:]
        var byNode: [String: [Series]] = [:]
        for series in answer {
            if series.name == FamilyTag.observedAt {
                for label in Set(queries.nodeLabels.values) {
                    guard let node = series.labels[label.rawValue], let time = series.latest?.value else { continue }
                    liveSince[node] = max(liveSince[node] ?? time, time)
                }
            } else if let exporter = ExporterDetection.exporter(of: series.name),
                      let node = series.labels[queries.nodeLabel(exporter).rawValue], !node.isEmpty {
                byNode[node, default: []].append(series)
            }
        }
        var items: [String: FleetList.Item] = [:]
        for (node, series) in byNode {
            guard let snapshot = Normalizer.normalize(node: node, series: series) else { continue }
            let live = liveSince[node].map { Date(timeIntervalSince1970: $0) }
            let status = live.map { freshness.status(observedAt: $0, now: now()) } ?? .stale
            let lastSeen = [live, inventory[node]?.lastSeen].compactMap { $0 }.max()
            items[node] = FleetList.Item(snapshot, status: status, inventoryModel: inventory[node]?.model, lastSeen: lastSeen)
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
    private func storedList(inventory: [String: BoardRecord], error: any Error) async throws -> FleetList {
        guard !inventory.isEmpty else { throw APIError.upstreamUnavailable(error as? UpstreamError ?? .unreachable("\(error)")) }
        let snapshots = Dictionary(try await store.snapshots().map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
        let items = inventory.values.sorted { $0.node < $1.node }.map { board in
            snapshots[board.node].map { FleetList.Item($0, status: .stale, inventoryModel: board.model, lastSeen: board.lastSeen) }
                ?? FleetList.Item(node: board.node, exporter: board.exporter, status: .stale, model: board.model,
                                  gpuUtilizationPercent: nil, gpuTemperatureCelsius: nil, powerWatts: nil, lastSeen: board.lastSeen)
        }
        return FleetList(items: items, totalItems: items.count)
    }
}

extension FleetList.Item {
    /// A fleet row from a node's snapshot: mean GPU load, hottest GPU, measured board input or else summed GPU power.
    /// The model is the snapshot's own, or the inventory's where the snapshot has none.
    init(_ snapshot: NodeGPU, status: NodeStatus, inventoryModel: String?, lastSeen: Date?) {
        let load = snapshot.gpus.compactMap(\.utilizationPercent)
        let gpuPower = snapshot.gpus.compactMap(\.powerWatts)
        self.init(
            node: snapshot.node,
            exporter: snapshot.exporter,
            status: status,
            model: snapshot.board.model ?? inventoryModel,
            gpuUtilizationPercent: load.isEmpty ? nil : load.reduce(0, +) / Double(load.count),
            gpuTemperatureCelsius: snapshot.gpus.compactMap(\.temperatureCelsius).max(),
            powerWatts: snapshot.power.totalWatts ?? (gpuPower.isEmpty ? nil : gpuPower.reduce(0, +)),
            lastSeen: lastSeen
        )
    }
}
