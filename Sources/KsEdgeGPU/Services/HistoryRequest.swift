import Foundation

/// The validated query of a history request: which metrics, over which range. Parsed from the URL in `HTTP/`.
public struct HistoryRequest: Sendable, Hashable {
    public var metrics: [HistoryMetric]
    public var start: Double
    public var end: Double
    public var step: Double

    /// Prometheus refuses more points per series than this; so does ks-edge-gpu, with a clear 400.
    public static let maxPoints = 11_000
    /// With no `step`, the step that gives at most this many points.
    public static let defaultPoints = 240
    public static let defaultRange: Double = 3600
    /// `end` may lie this far ahead (clock skew, charts that pad the right edge).
    public static let maxFuture: Double = 86_400

    public init(metrics: [HistoryMetric], start: Double, end: Double, step: Double) {
        self.metrics = metrics
        self.start = start
        self.end = end
        self.step = step
    }

    public var range: HistoryQuery.Range { HistoryQuery.Range(start: start, end: end, step: step) }

    public var pointCount: Int { range.pointCount }

    /// A stable key for the answer cache.
    var cacheKey: String { "\(metrics.map(\.rawValue).joined(separator: ",")):\(start):\(end):\(step)" }
}
