import Metrics

/// Prometheus behind a circuit breaker, with bounded retries. Every read is idempotent, so a transient failure
/// (nothing answered, HTTP 5xx, a garbled or cut-off body) is tried again after a short backoff, as long as the whole
/// call stays within `deadline`. While the circuit is open, calls fail at once with `circuitOpen` and callers answer
/// from SQLite without waiting.
public struct ResilientSource<Base: MetricsSource & PrometheusForwarder>: MetricsSource, PrometheusForwarder {
    let base: Base
    let breaker: CircuitBreaker
    /// The whole call, retries and backoff included (`--prometheus-timeout`).
    let deadline: Duration
    /// Tries per call, the first included.
    let attempts: Int
    /// The pause before the second try; doubled before each later one, with jitter.
    let backoff: Duration
    private let retries = Counter(label: "ks_edge_gpu_prometheus_retries_total")
    private let rejections = Counter(label: "ks_edge_gpu_prometheus_circuit_rejections_total")

    public init(base: Base, breaker: CircuitBreaker, deadline: Duration, attempts: Int = 3, backoff: Duration = .milliseconds(100)) {
        self.base = base
        self.breaker = breaker
        self.deadline = deadline
        self.attempts = max(1, attempts)
        self.backoff = backoff
    }

    public func query(_ query: PromQL) async throws(UpstreamError) -> [Series] {
        try await call { [base] () async throws(UpstreamError) in try await base.query(query) }
    }

    public func query<Fold: SeriesFold>(_ query: PromQL, folding fold: Fold) async throws(UpstreamError) -> Fold {
        // Each try folds from the same start: a try cut off halfway leaves nothing behind.
        try await call { [base] () async throws(UpstreamError) in try await base.query(query, folding: fold) }
    }

    public func queryRange(_ query: PromQL, start: Double, end: Double, step: Double) async throws(UpstreamError) -> [Series] {
        try await call { [base] () async throws(UpstreamError) in try await base.queryRange(query, start: start, end: end, step: step) }
    }

    /// The pass-through: Prometheus' answer whatever its status; only calls that got no answer are retried.
    public func forward(path: String, form: [(String, String)]) async throws(UpstreamError) -> ForwardedAnswer {
        try await call { [base] () async throws(UpstreamError) in try await base.forward(path: path, form: form) }
    }

    /// Each try gets what is left of the deadline, so a try that runs out is a timeout of Prometheus (counted by the
    /// breaker, not tried again), while a caller that goes away is a cancellation (counted by nobody).
    private func call<T: Sendable>(_ operation: @escaping @Sendable () async throws(UpstreamError) -> T) async throws(UpstreamError) -> T {
        let start = ContinuousClock.now
        var tried = 0
        while true {
            let permit = breaker.permit()
            if case .rejected(let retryIn) = permit {
                rejections.increment()
                throw .circuitOpen(retryInSeconds: retryIn.secondsValue)
            }
            let failure: UpstreamError
            do {
                let value = try await withUpstreamDeadline(deadline - (ContinuousClock.now - start), reporting: deadline) {
                    try await operation()
                }
                breaker.record(permit, succeeded: true)
                return value
            } catch let thrown as UpstreamError {
                failure = thrown
            } catch {
                failure = .cancelled
            }
            let error = failure
            guard error != .cancelled else {
                breaker.abandon(permit)
                throw error
            }
            breaker.record(permit, succeeded: !error.isFailureOfPrometheus)
            tried += 1
            let pause = backoff * Double(1 << (tried - 1)) * Double.random(in: 0.5...1.5)
            guard error.isTransient, tried < attempts, ContinuousClock.now - start + pause < deadline else { throw error }
            do { try await Task.sleep(for: pause) } catch { throw .cancelled }
            retries.increment()
        }
    }
}
