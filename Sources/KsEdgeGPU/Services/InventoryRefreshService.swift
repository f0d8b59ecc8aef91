import Foundation
import Logging
import ServiceLifecycle

/// Every `interval`, reads the identity metrics of all nodes in one query, upserts the board inventory and records what
/// changed in the board ledger, then prunes the ledger's oldest events. Runs beside the HTTP server in the
/// application's ServiceGroup and stops on graceful shutdown.
public struct InventoryRefreshService<Source: MetricsSource, Store: InventoryStore>: Service {
    let context: GPUContext<Source, Store>
    let interval: Duration
    let ledger: BoardLedger<Source, Store>

    public init(context: GPUContext<Source, Store>, interval: Duration, ledger: LedgerSettings = LedgerSettings(),
                fleetIndex: @escaping @Sendable () -> FleetIndex? = { nil }) {
        self.context = context
        self.interval = interval
        self.ledger = BoardLedger(context: context, settings: ledger, fleetIndex: fleetIndex)
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
            let boards = query.decode(try await context.source.query(query.promQL))
            let written = try await ledger.record(boards)
            let pruned = try await ledger.prune()
            FreedMemory.giveBack()
            context.logger.debug("inventory refreshed", metadata: ["boards": "\(boards.count)", "events": "\(written.events.count)", "pruned": "\(pruned)"])
            for event in written.events {
                context.logger.info("board changed", metadata: [
                    "node": "\(event.node)", "kind": "\(event.kind.rawValue)", "old": "\(event.old ?? "-")", "new": "\(event.new ?? "-")",
                    "observedAt": "\(RFC3339.format(event.observedAt))",
                ])
            }
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

