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
        let query = context.queries.inventory
        do {
            let boards = query.decode(try await context.source.query(query.promQL)).map(BoardRecord.init(observed:))
            try await context.store.upsert(boards)
            FreedMemory.giveBack()
            context.logger.debug("inventory refreshed", metadata: ["boards": "\(boards.count)"])
            return boards.count
        } catch UpstreamError.cancelled {
            return 0
        } catch is CancellationError {
            return 0
        } catch {
            context.logger.warning("inventory refresh failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}

extension BoardRecord {
    init(observed: InventoryQuery.Board) {
        self.init(node: observed.node, exporter: observed.exporter, board: observed.board, seen: observed.seen)
    }
}
