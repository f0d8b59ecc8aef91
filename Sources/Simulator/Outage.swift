/// A simulated board losing its link for a while, as edge nodes do: from `after` the simulator's start, for `lasting`.
public struct Outage: Sendable, Equatable {
    public var node: String
    public var after: Duration
    public var lasting: Duration

    public init(node: String, after: Duration, lasting: Duration) {
        self.node = node
        self.after = after
        self.lasting = lasting
    }

    /// Whether the link is down `elapsed` after the simulator started.
    public func covers(_ elapsed: Duration) -> Bool {
        elapsed >= after && elapsed < after + lasting
    }

    /// `NODE:AFTER:LASTING`, e.g. `edge-orin-nano-03:2m:30s`; `duration` reads the two durations.
    public static func parse(_ text: String, duration: (String) throws -> Duration) throws -> Outage {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[0].isEmpty else { throw Invalid(text: text) }
        let after = try duration(parts[1]), lasting = try duration(parts[2])
        guard lasting > .zero else { throw Invalid(text: text) }
        return Outage(node: parts[0], after: after, lasting: lasting)
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "'\(text)': expected NODE:AFTER:LASTING, e.g. edge-orin-nano-03:2m:30s" }
    }
}
