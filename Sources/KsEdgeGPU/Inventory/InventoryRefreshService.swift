import Foundation
import Logging
import ServiceLifecycle

/// Every `interval`, reads the info metrics of all nodes in one query and upserts the board inventory.
/// Runs beside the HTTP server in the application's ServiceGroup and stops on graceful shutdown.
public struct InventoryRefreshService<Source: MetricsSource, Store: InventoryStore>: Service {
    let source: Source
    let store: Store
    let queries: GPUQueries
    let interval: Duration
    let logger: Logger

    public init(source: Source, store: Store, queries: GPUQueries, interval: Duration, logger: Logger) {
        self.source = source
        self.store = store
        self.queries = queries
        self.interval = interval
        self.logger = logger
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
            let boards = InventoryObservation.boards(from: try await source.query(queries.inventory), nodeLabel: queries.nodeLabel)
            try await store.upsert(boards)
            logger.debug("inventory refreshed", metadata: ["boards": "\(boards.count)"])
            return boards.count
        } catch {
            logger.warning("inventory refresh failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}

/// Pure: `timestamp()` of the info metrics -> one board record per node, last seen at its newest info sample.
enum InventoryObservation {
    static let familyByLabel = [
        (label: "board_info", name: "gpu_info_board_info"), (label: "board_hw", name: "gpu_info_hardware_info"),
        (label: "nvpmode", name: "gpu_nvpmode_info"),
    ]

    static func boards(from series: [Series], nodeLabel: LabelName) -> [BoardRecord] {
        Dictionary(grouping: series, by: { $0.labels[nodeLabel.rawValue] ?? "" })
            .filter { !$0.key.isEmpty && NodeName.isValid($0.key) }
            .compactMap { node, entries in
                let named = FamilyNames.restore(entries, byLabel: familyByLabel)
                // The sample value is the sample's own timestamp.
                guard let seen = entries.compactMap({ $0.latest?.value }).filter(\.isFinite).max() else { return nil }
                let board = JetsonSeedFormat.board(MetricFamilies(named))
                return BoardRecord(node: node, exporter: .jetson, board: board, seen: Date(timeIntervalSince1970: seen))
            }
            .sorted { $0.node < $1.node }
    }
}
