import Foundation
import Logging
import ServiceLifecycle

/// Every `interval`, reads the identity metrics of all nodes in one query and upserts the board inventory.
/// Runs beside the HTTP server in the application's ServiceGroup and stops on graceful shutdown.
public struct InventoryRefreshService<Source: MetricsSource, Store: InventoryStore>: Service {
    let context: GPUContext<Source, Store>
    let interval: Duration

    public init(context: GPUContext<Source, Store>, interval: Duration) {
        self.context = context
        self.interval = interval
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    await refreshOnce()
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Graceful shutdown.
        }
    }

    /// One refresh; failures are logged and retried on the next tick, never fatal.
    @discardableResult
    public func refreshOnce() async -> Int {
        do {
            let boards = InventoryObservation.boards(from: try await context.source.query(context.queries.inventory), queries: context.queries)
            try await context.store.upsert(boards)
            context.logger.debug("inventory refreshed", metadata: ["boards": "\(boards.count)"])
            return boards.count
        } catch {
            context.logger.warning("inventory refresh failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}

/// Pure: the identity metrics of every node, valued with their sample times -> one board record per node,
/// last seen at its newest sample.
enum InventoryObservation {
    static func boards(from series: [Series], queries: GPUQueries) -> [BoardRecord] {
        var byNode: [String: [Series]] = [:]
        for entry in FamilyTag.restore(series) {
            guard let exporter = ExporterDetection.exporter(of: entry.name),
                  let node = entry.labels[queries.nodeLabel(exporter).rawValue], NodeName.isValid(node) else { continue }
            byNode[node, default: []].append(entry)
        }
        return byNode.compactMap { node, entries in
            // Values are sample times, so only the board and the exporter are taken from the normalised node.
            guard let seen = entries.compactMap({ $0.latest?.value }).filter(\.isFinite).max(),
                  let snapshot = Normalizer.normalize(node: node, series: entries) else { return nil }
            return BoardRecord(node: node, exporter: snapshot.exporter, board: snapshot.board, seen: Date(timeIntervalSince1970: seen))
        }
        .sorted { $0.node < $1.node }
    }
}
