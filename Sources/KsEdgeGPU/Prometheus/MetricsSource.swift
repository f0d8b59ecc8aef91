import NIOCore

/// What handlers need from Prometheus. `PrometheusClient` is the real one; tests use fakes.
public protocol MetricsSource: Sendable {
    /// `GET /api/v1/query`. A range-vector expression (`x[5m]`) returns raw samples with their own timestamps.
    func query(_ query: PromQL) async throws(UpstreamError) -> [Series]
    /// `GET /api/v1/query_range`: the expression evaluated at `start`, `start + step`, … up to `end` (seconds).
    func queryRange(_ query: PromQL, start: Double, end: Double, step: Double) async throws(UpstreamError) -> [Series]
    /// `GET /api/v1/query`, each series folded into `fold` as it is read: what a fleet-sized answer leaves behind is
    /// what the caller keeps, not the series first.
    func query<Fold: SeriesFold>(_ query: PromQL, folding fold: Fold) async throws(UpstreamError) -> Fold
}

/// What a large answer is folded into one series at a time.
public protocol SeriesFold: Sendable {
    mutating func add(_ series: Series)
    /// Which samples of each series `add` uses (every one unless said): a parser may leave the others undecoded, and
    /// `add` still takes a series whole from sources that read answers whole.
    var samplesRead: SamplesRead { get }
}

extension SeriesFold {
    public var samplesRead: SamplesRead { .all }
}

extension Array: SeriesFold where Element == Series {
    public mutating func add(_ series: Series) { append(series) }
}

extension MetricsSource {
    /// A source that reads answers whole folds them afterwards.
    public func query<Fold: SeriesFold>(_ query: PromQL, folding fold: Fold) async throws(UpstreamError) -> Fold {
        var fold = fold
        for series in try await self.query(query) { fold.add(series) }
        return fold
    }

    /// Every query at once (Prometheus evaluates them side by side), their series together.
    /// Errors arrive as the `UpstreamError` the source threw.
    public func query(all queries: [PromQL]) async throws(UpstreamError) -> [Series] {
        try await query(all: queries, folding: [Series]()).flatMap { $0 }
    }

    /// Every query at once, each answer folded into its own copy of `fold` as it is parsed; the folds in no
    /// particular order, for the caller to combine.
    public func query<Fold: SeriesFold>(all queries: [PromQL], folding fold: Fold) async throws(UpstreamError) -> [Fold] {
        // One query (a snapshot's, unless exporters name nodes by different labels) is sent from the caller's task.
        if queries.count == 1 { return [try await query(queries[0], folding: fold)] }
        do {
            return try await withThrowingTaskGroup(of: Fold.self) { group in
                for query in queries { group.addTask { try await self.query(query, folding: fold) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        } catch let error as UpstreamError {
            throw error
        } catch {
            // Only cancellation reaches here: the sources throw nothing but UpstreamError.
            throw .cancelled
        }
    }
}

/// Prometheus' answer to a request passed through as it is: its status, content type and body, unchanged.
public struct ForwardedAnswer: Sendable {
    public var status: Int
    public var contentType: String?
    public var body: ByteBuffer

    public init(status: Int, contentType: String?, body: ByteBuffer) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// Passes an allowed read of Prometheus' HTTP API through (`/api/v1/query` and friends).
public protocol PrometheusForwarder: Sendable {
    /// POSTs `form` to `path` under Prometheus' base URL; the parameters may repeat (`match[]`).
    func forward(path: String, form: [(String, String)]) async throws(UpstreamError) -> ForwardedAnswer
}
