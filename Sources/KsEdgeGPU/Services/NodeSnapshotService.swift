import Foundation
import Logging
import Synchronization

/// Builds the answer of `GET /edge/nodes/{name}/gpu`: one Prometheus round trip (one per distinct node label), normalised, stored as the
/// last good snapshot while online, and served from SQLite as `stale` while Prometheus cannot answer.
public struct NodeSnapshotService<Source: MetricsSource, Store: InventoryStore>: Sendable {
    let context: GPUContext<Source, Store>
    /// observedAt of the snapshot last written per node, so a repeated answer is not written again.
    private let saved = SavedSnapshots()
    private let cache: ResponseCache<EncodedJSON<NodeGPU>>
    /// Told each node's status as a snapshot finds it (the fleet index, to catch up with a change).
    private let statusSeen: @Sendable (String, NodeStatus) -> Void
    /// Whether a node is known to be scraped rather than pushed (the fleet index), so a scrape's window of samples
    /// is enough for its snapshot.
    private let isScraped: @Sendable (String) -> Bool

    public init(context: GPUContext<Source, Store>, cacheTTL: Duration = .zero,
                statusSeen: @escaping @Sendable (String, NodeStatus) -> Void = { _, _ in },
                isScraped: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.context = context
        self.statusSeen = statusSeen
        self.isScraped = isScraped
        cache = ResponseCache(name: "node", ttl: cacheTTL)
    }

    /// Concurrent requests for one node share one Prometheus query; answers are reused for the cache TTL.
    public func snapshot(_ node: NodeName) async throws -> NodeGPU {
        try await encodedSnapshot(node).value
    }

    /// The snapshot with its JSON, encoded once per computation.
    public func encodedSnapshot(_ node: NodeName) async throws -> EncodedJSON<NodeGPU> {
        try await cache.value(for: node.rawValue) {
            let snapshot = try await load(node)
            statusSeen(snapshot.value.node, snapshot.value.status)
            return snapshot
        }
    }

    /// The snapshot with its JSON, which is also what is stored.
    private func load(_ node: NodeName) async throws -> EncodedJSON<NodeGPU> {
        let query = context.queries.snapshot(node, scraped: isScraped(node.rawValue))
        let series: [Series]
        do {
            series = try await context.source.query(all: query.promQL, folding: query.samples).flatMap(\.series)
        } catch {
            if error == .cancelled { throw CancellationError() }
            context.logger.warning("Prometheus query failed; serving the stored snapshot", metadata: ["node": "\(node)", "error": "\(error)"])
            guard var stored = try await context.store.snapshot(node.rawValue) else { throw APIError.upstreamUnavailable(error) }
            stored.status = .stale
            stored.health = Problems.health(stored.health, restatedFor: .stale)
            return try EncodedJSON(value: stored)
        }

        guard let answer = query.decode(series, now: context.now()) else { return try EncodedJSON(value: try await offline(node)) }
        var snapshot = NodeGPU(node: node.rawValue, exporter: answer.exporter,
                               status: context.freshness.status(observedAt: answer.observedAt, pushed: answer.pushed, now: context.now()),
                               observedAt: answer.observedAt, readings: answer.readings)
        let observed = BoardRecord(node: node.rawValue, exporter: snapshot.exporter, board: snapshot.board,
                                   seen: snapshot.observedAt ?? context.now())
        snapshot.board = mergedBoard(observed, stored: try await context.store.board(node.rawValue))
        snapshot.health = Problems.health(of: snapshot, signals: answer.readings.signals, integrated: integrated(snapshot.exporter),
                                          thresholds: context.thresholds)
        let encoded = try EncodedJSON(value: snapshot)
        if snapshot.status == .online, saved.needsSaving(node.rawValue, snapshot.observedAt) {
            try await context.store.saveSnapshot(encoded, board: observed)
            saved.markSaved(node.rawValue, snapshot.observedAt)
        }
        return encoded
    }

    /// Prometheus answered but holds nothing for the node: known to the inventory means `offline`, else 404.
    private func offline(_ node: NodeName) async throws -> NodeGPU {
        guard let board = try await context.store.board(node.rawValue) else { throw APIError.nodeNotFound(node) }
        var snapshot = NodeGPU(node: node.rawValue, exporter: board.exporter, status: .offline, observedAt: nil, board: board.contract)
        snapshot.health = Problems.health(of: snapshot, signals: HealthSignals(), integrated: integrated(board.exporter), thresholds: context.thresholds)
        return snapshot
    }

    private func integrated(_ exporter: ExporterKind) -> Bool {
        context.queries.exporters.exporter(exporter)?.isIntegrated ?? false
    }

    /// The board as just observed, with first/last seen from the inventory.
    private func mergedBoard(_ observed: BoardRecord, stored: BoardRecord?) -> NodeGPU.Board {
        var board = observed.contract
        board.firstSeen = min(stored?.firstSeen ?? observed.firstSeen, observed.firstSeen)
        board.lastSeen = max(stored?.lastSeen ?? observed.lastSeen, observed.lastSeen)
        return board
    }
}

final class SavedSnapshots: Sendable {
    private let observed = Mutex<[String: Date]>([:])

    func needsSaving(_ node: String, _ observedAt: Date?) -> Bool {
        guard let observedAt else { return false }
        return observed.withLock { $0[node].map { observedAt > $0 } ?? true }
    }

    func markSaved(_ node: String, _ observedAt: Date?) {
        guard let observedAt else { return }
        observed.withLock { $0[node] = observedAt }
    }
}
