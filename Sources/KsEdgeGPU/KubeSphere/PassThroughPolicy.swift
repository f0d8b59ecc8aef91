/// Which metrics a console may read through the Prometheus pass-through (`--passthrough-allow`): every selector of
/// every expression must name, exactly, a metric one of the patterns matches in full. Anything else is refused with
/// the selector named; nothing is matched against the query text as a string.
public struct PassThroughPolicy: Sendable {
    /// Anchored regular expressions over metric names.
    public let patterns: [String]

    public init(patterns: [String]) { self.patterns = patterns }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case noSelector
        case notAllowed(selector: String)
        case unnamed(selector: String)

        public var description: String {
            switch self {
            case .unreadable(let reason): "the expression cannot be read: \(reason)"
            case .noSelector: "the expression selects no metric"
            case .notAllowed(let selector): "\(selector.prefix(200)) is not an allowed metric (allowed: --passthrough-allow)"
            case .unnamed(let selector): "\(selector.prefix(200)) does not name its metric exactly"
            }
        }
    }

    /// Nil when every selector of `expression` is allowed.
    public func refusal(for expression: String) -> Refusal? {
        let selectors: [PromQLSelectors.Found]
        do { selectors = try PromQLSelectors.find(in: expression) } catch { return .unreadable(error.description) }
        guard !selectors.isEmpty else { return .noSelector }
        for selector in selectors {
            guard let metric = selector.metric else { return .unnamed(selector: selector.text) }
            guard allows(metric) else { return .notAllowed(selector: selector.text) }
        }
        return nil
    }

    public func allows(_ metric: String) -> Bool {
        patterns.contains { pattern in (try? Regex("^(?:\(pattern))$").wholeMatch(in: metric)) != nil }
    }
}
