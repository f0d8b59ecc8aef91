import Metrics

/// Answers kept for a short time (`--cache-ttl`, the console's refresh period) with request coalescing:
/// while one computation for a key is under way, every other caller for that key waits for it instead of
/// asking Prometheus again. Failures are shared with the callers waiting but never kept.
public actor ResponseCache<Value: Sendable> {
    private enum Entry {
        case ready(Value, expires: ContinuousClock.Instant)
        case inFlight(Task<Value, any Error>)
    }

    private var entries: [String: Entry] = [:]
    private let ttl: Duration
    private let hits: Counter
    private let misses: Counter
    private let coalesced: Counter
    /// Expired entries are dropped once per `ttl` (at least a second apart), so keys asked once (a history with its own
    /// `start`) hold memory only for as long as they are fresh, not until the table grows large.
    private var lastPrune = ContinuousClock.now

    public init(name: String, ttl: Duration) {
        self.ttl = ttl
        hits = Counter(label: "ks_edge_gpu_cache_hits_total", dimensions: [("cache", name)])
        misses = Counter(label: "ks_edge_gpu_cache_misses_total", dimensions: [("cache", name)])
        coalesced = Counter(label: "ks_edge_gpu_cache_coalesced_total", dimensions: [("cache", name)])
    }

    /// How many answers are held (ready or being computed), for tests.
    var count: Int { entries.count }

    public func value(for key: String, compute: @escaping @Sendable () async throws -> Value) async throws -> Value {
        switch entries[key] {
        case .ready(let value, let expires) where ContinuousClock.now < expires:
            hits.increment()
            return value
        case .inFlight(let task):
            coalesced.increment()
            return try await task.value
        default:
            break
        }
        misses.increment()
        // Unstructured on purpose: a caller that gives up must not cancel the answer others are waiting for.
        let task = Task { try await compute() }
        entries[key] = .inFlight(task)
        do {
            let value = try await task.value
            if ttl > .zero {
                let now = ContinuousClock.now
                entries[key] = .ready(value, expires: now + ttl)
                if now - lastPrune >= max(ttl, .seconds(1)) { prune(now) }
            } else {
                entries[key] = nil
            }
            return value
        } catch {
            entries[key] = nil
            throw error
        }
    }

    private func prune(_ now: ContinuousClock.Instant) {
        lastPrune = now
        entries = entries.filter { _, entry in
            if case .ready(_, let expires) = entry { return expires > now }
            return true
        }
    }
}
