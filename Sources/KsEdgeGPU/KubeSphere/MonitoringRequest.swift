import Synchronization

/// A request for KubeSphere's monitoring envelope: which console metrics, and an instant or a range.
public struct MonitoringRequest: Sendable, Equatable {
    /// `metrics_filter`, a regular expression over the names, unanchored as KubeSphere's (checked when parsed).
    public var filter: String
    /// A past instant (`time`); nil with a range or for now.
    public var time: Double?
    /// `start`, `end`, `step`; nil for an instant.
    public var range: HistoryQuery.Range?

    /// KubeSphere's default step for ranges.
    public static let defaultStep: Double = 600

    /// The console metrics the filter selects.
    public var metrics: [ConsoleMetric] { selected(ConsoleMetric.allCases) }

    /// The names among `candidates` that the filter selects.
    public func selected<Metric: RawRepresentable>(_ candidates: [Metric]) -> [Metric] where Metric.RawValue == String {
        guard let names = MetricsFilter.selected(by: filter) else { return [] }
        return candidates.filter { names.contains($0.rawValue) }
    }
}

/// The names each `metrics_filter` selects among every console and cluster metric, nil where it is not a regular
/// expression. Remembered for the filters seen lately: the console sends the same few again and again, and compiling a
/// regular expression costs more than the rest of an answer from the fleet index.
enum MetricsFilter {
    static let remembered = 256
    private static let names = ConsoleMetric.allCases.map(\.rawValue) + ClusterMetric.allCases.map(\.rawValue)
    private static let seen = Mutex<[String: Set<String>?]>([:])

    static func selected(by filter: String) -> Set<String>? {
        if let known = seen.withLock({ $0[filter] }) { return known }
        let selected = (try? Regex(filter)).map { pattern in Set(names.filter { $0.contains(pattern) }) }
        seen.withLock { seen in
            if seen.count >= remembered { seen.removeAll() }
            seen[filter] = .some(selected)
        }
        return selected
    }
}

/// The every-node request: KubeSphere's node ordering and paging on top of the metrics and time.
public struct FleetMonitoringRequest: Sendable, Equatable {
    public var monitoring: MonitoringRequest
    /// Nodes are ordered by this metric's value (the largest of their series), unknown last; by name without it.
    public var sortMetric: ConsoleMetric?
    public var ascending: Bool
    /// Without `page` and `limit` every node is returned.
    public var paging: Paging
    /// `resources_filter`: a regular expression the whole node name must match.
    public var nodeFilter: String?

    /// KubeSphere's page size when only `page` is given.
    public static let defaultLimit = 5
}

extension MonitoringRequest {
    /// An instant of now: neither `time` nor a range.
    public var isNow: Bool { time == nil && range == nil }
}

extension FleetMonitoringRequest {
    /// `nodes` in KubeSphere's order: by the sort metric's value (`value`, asked once per node), unknown last
    /// whichever the direction, then by name; by name without a sort metric.
    public func ordered(_ nodes: some Collection<String>, value: (String) -> Double?) -> [String] {
        guard sortMetric != nil else { return nodes.sorted() }
        let keyed = nodes.map { ($0, value($0)) }
        return keyed.sorted { lhs, rhs in
            switch (lhs.1, rhs.1) {
            case let (left?, right?) where left != right: return ascending ? left < right : left > right
            case (_?, nil): return true
            case (nil, _?): return false
            default: return lhs.0 < rhs.0
            }
        }.map(\.0)
    }

    /// The nodes of `frames` in KubeSphere's order, each valued by the largest of its sort metric's series in its
    /// newest frame.
    func ordered(_ frames: [String: [NodeFrame]]) -> [String] {
        ordered(frames.keys) { node in sortMetric.flatMap { metric in frames[node]?.last?.values(metric).values.max() } }
    }
}
