/// Everything that can go wrong talking to Prometheus, mapped once at the client boundary.
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Connection refused, DNS failure, TLS failure: nothing answered.
    case unreachable(String)
    /// The whole call did not finish within the configured deadline.
    case timeout(seconds: Double)
    /// Prometheus answered, but not with a usable query result (HTTP 5xx, garbage, a cut-off body, `status: error`).
    case badResponse(String)
    /// Prometheus refused the query itself (HTTP 400 or 422, `bad_data`): it is up, and asking again will not help.
    case rejected(String)
    /// The answer is larger than `--prometheus-max-response`; it was cut off, not buffered.
    case tooLarge(limitBytes: Int)
    /// Prometheus failed too often in a row; it is not asked again until the circuit breaker's next probe.
    case circuitOpen(retryInSeconds: Double)
    /// The caller stopped waiting (shutdown, or a request that went away): not a fault of Prometheus, so no
    /// fallback and no warning.
    case cancelled

    public var description: String {
        switch self {
        case .unreachable(let reason): "Prometheus is unreachable: \(reason)"
        case .timeout(let seconds): "Prometheus did not answer within \(seconds.formatted())s"
        case .badResponse(let reason): "Prometheus answered with an error: \(reason)"
        case .rejected(let reason): "Prometheus refused the query: \(reason)"
        case .tooLarge(let limit): "Prometheus' answer is larger than \(limit >> 20) MiB (--prometheus-max-response)"
        case .circuitOpen(let seconds): "Prometheus failed repeatedly; it is asked again in \(seconds.formatted())s"
        case .cancelled: "the Prometheus query was cancelled"
        }
    }

    /// Worth another try within the same deadline: the next attempt may well succeed.
    var isTransient: Bool {
        switch self {
        case .unreachable, .badResponse: true
        case .timeout, .rejected, .tooLarge, .circuitOpen, .cancelled: false
        }
    }

    /// Whether the error says Prometheus is unwell (counts towards opening the circuit). Refusing a query or an
    /// oversized answer means it is up.
    var isFailureOfPrometheus: Bool {
        switch self {
        case .unreachable, .badResponse, .timeout: true
        case .rejected, .tooLarge, .circuitOpen, .cancelled: false
        }
    }
}

extension Double {
    /// `10.0` -> "10", `0.5` -> "0.5": for messages, not for data.
    func formatted() -> String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
