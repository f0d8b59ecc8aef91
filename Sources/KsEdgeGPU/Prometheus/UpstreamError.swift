/// Everything that can go wrong talking to Prometheus, mapped once at the client boundary.
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Connection refused, DNS failure, TLS failure: nothing answered.
    case unreachable(String)
    /// The whole call did not finish within the configured deadline.
    case timeout(seconds: Double)
    /// Prometheus answered, but not with a usable query result.
    case badResponse(String)
    /// The caller stopped waiting (shutdown, or a request that went away): not a fault of Prometheus, so no
    /// fallback and no warning.
    case cancelled

    public var description: String {
        switch self {
        case .unreachable(let reason): "Prometheus is unreachable: \(reason)"
        case .timeout(let seconds): "Prometheus did not answer within \(seconds.formatted())s"
        case .badResponse(let reason): "Prometheus answered with an error: \(reason)"
        case .cancelled: "the Prometheus query was cancelled"
        }
    }
}

extension Double {
    /// `10.0` -> "10", `0.5` -> "0.5": for messages, not for data.
    func formatted() -> String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
