/// A request for KubeSphere's monitoring envelope: which console metrics, and an instant or a range.
public struct MonitoringRequest: Sendable, Equatable {
    public var metrics: [ConsoleMetric]
    /// A past instant (`time`); nil with a range or for now.
    public var time: Double?
    /// `start`, `end`, `step`; nil for an instant.
    public var range: HistoryQuery.Range?

    /// KubeSphere's default step for ranges.
    public static let defaultStep: Double = 600
}
