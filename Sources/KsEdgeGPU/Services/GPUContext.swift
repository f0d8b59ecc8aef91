import Foundation
import Logging

/// What every GPU service needs: where metrics and boards come from, how to ask Prometheus, and what "fresh" means.
public struct GPUContext<Source: MetricsSource, Store: InventoryStore>: Sendable {
    public let source: Source
    public let store: Store
    public let queries: GPUQueries
    public let freshness: Freshness
    /// When a temperature is a problem.
    public let thresholds: ProblemThresholds
    public let logger: Logger
    public let now: @Sendable () -> Date

    public init(source: Source, store: Store, queries: GPUQueries, freshness: Freshness, thresholds: ProblemThresholds = .standard,
                logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.source = source
        self.store = store
        self.queries = queries
        self.freshness = freshness
        self.thresholds = thresholds
        self.logger = logger
        self.now = now
    }
}
