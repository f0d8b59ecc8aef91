import Foundation
import Synchronization

/// When Prometheus last answered, for `/ready`. Wraps the real source so every call is recorded.
public final class UpstreamContact: Sendable {
    private let last = Mutex<Date?>(nil)

    public init() {}

    public var lastSuccess: Date? { last.withLock { $0 } }

    func record(_ date: Date) { last.withLock { $0 = max($0 ?? date, date) } }
}

struct RecordingMetricsSource<Base: MetricsSource>: MetricsSource {
    let base: Base
    let contact: UpstreamContact
    let now: @Sendable () -> Date

    func query(_ query: PromQL) async throws(UpstreamError) -> [Series] {
        let result = try await base.query(query)
        contact.record(now())
        return result
    }

    func query<Fold: SeriesFold>(_ query: PromQL, folding fold: Fold) async throws(UpstreamError) -> Fold {
        let result = try await base.query(query, folding: fold)
        contact.record(now())
        return result
    }

    func queryRange(_ query: PromQL, start: Double, end: Double, step: Double) async throws(UpstreamError) -> [Series] {
        let result = try await base.queryRange(query, start: start, end: end, step: step)
        contact.record(now())
        return result
    }
}
