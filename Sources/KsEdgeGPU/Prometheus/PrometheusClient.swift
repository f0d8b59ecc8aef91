import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1

/// `MetricsSource` over Prometheus' HTTP API, through one shared async-http-client.
/// Every call has one deadline covering connect, request and body; errors are mapped to `UpstreamError` here.
public struct PrometheusClient: MetricsSource, PrometheusForwarder {
    let httpClient: HTTPClient
    /// The base URL as text without a trailing slash: API paths are appended to it.
    let baseURL: String
    let timeout: Duration
    let logger: Logger
    /// Bodies over this size are cut off (the connection closed) rather than buffered without bound.
    let maxBodyBytes: Int
    private let metrics = ClientMetrics()
    /// `label/{name}/values`: the one read endpoint Prometheus serves by GET only.
    static let labelValuesPrefix = "/api/v1/label/"

    public init(httpClient: HTTPClient, baseURL: URL, timeout: Duration, maxBodyBytes: Int = 64 << 20, logger: Logger) {
        let text = baseURL.absoluteString
        self.httpClient = httpClient
        self.baseURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    /// Created once: building a metric handle looks it up in the registry under a lock.
    struct ClientMetrics: Sendable {
        let queries = Counter(label: "ks_edge_gpu_prometheus_queries_total")
        let timeouts = Counter(label: "ks_edge_gpu_prometheus_errors_total", dimensions: [("reason", "timeout")])
        let unreachable = Counter(label: "ks_edge_gpu_prometheus_errors_total", dimensions: [("reason", "unreachable")])
        let badResponses = Counter(label: "ks_edge_gpu_prometheus_errors_total", dimensions: [("reason", "bad_response")])
        /// Time from sending a call to its whole body (or its failure), by API endpoint: tells Prometheus' share of a
        /// slow answer from ours. Label values are a fixed set, never a client's text (`label/{name}/values` is one).
        let durations: [String: Timer] = Dictionary(uniqueKeysWithValues: ["query", "query_range", "series", "labels", "label_values", "other"].map {
            ($0, Timer(label: "ks_edge_gpu_prometheus_query_seconds", dimensions: [("endpoint", $0)], preferredDisplayUnit: .seconds))
        })

        func duration(of path: String) -> Timer {
            let endpoint = path.hasPrefix(PrometheusClient.labelValuesPrefix) ? "label_values" : String(path.dropFirst("/api/v1/".count))
            return durations[endpoint] ?? durations["other"]!
        }
    }

    /// The client to hand to `PrometheusClient`: connect timeout no longer than the call's deadline.
    public static func makeHTTPClient(timeout: Duration) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .init(min(timeout, .seconds(5))), read: .init(timeout))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
        // A refused connection means Prometheus is down: answer from SQLite now rather than retry until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func query(_ query: PromQL) async throws(UpstreamError) -> [Series] {
        try await post(path: "/api/v1/query", form: ["query": query.text])
    }

    public func query<Fold: SeriesFold>(_ query: PromQL, folding fold: Fold) async throws(UpstreamError) -> Fold {
        try await post(path: "/api/v1/query", form: ["query": query.text], folding: fold)
    }

    public func queryRange(_ query: PromQL, start: Double, end: Double, step: Double) async throws(UpstreamError) -> [Series] {
        try await post(path: "/api/v1/query_range", form: [
            "query": query.text, "start": String(start), "end": String(end), "step": String(step),
        ])
    }

    private func post(path: String, form: [String: String]) async throws(UpstreamError) -> [Series] {
        try await post(path: path, form: form, folding: [Series]())
    }

    private func post<Fold: SeriesFold>(path: String, form: [String: String], folding fold: Fold) async throws(UpstreamError) -> Fold {
        // Sorted so a query's body is stable (logs, caches).
        let (status, _, bytes) = try await send(path: path, form: form.sorted { $0.key < $1.key })
        do {
            var fold = fold
            try QueryResponse.fold(bytes, into: &fold)
            return fold
        } catch {
            metrics.badResponses.increment()
            switch (status.code, error) {
            case (200, _): throw error
            // Prometheus' answer to a query it will not run (bad_data): asking again will not help.
            case (400, .badResponse(let reason)), (422, .badResponse(let reason)): throw .rejected("HTTP \(status.code): \(reason)")
            default: throw .badResponse("HTTP \(status.code): \(error)")
            }
        }
    }

    public func forward(path: String, form: [(String, String)]) async throws(UpstreamError) -> ForwardedAnswer {
        let (status, contentType, body) = try await send(path: path, form: form)
        return ForwardedAnswer(status: Int(status.code), contentType: contentType, body: body)
    }

    /// One call within the deadline, its form in a POST body; the body is read up to `maxBodyBytes`. Prometheus'
    /// label values endpoint answers GET alone (a POST is a 405), so its form goes in the URL.
    private func send(path: String, form: [(String, String)]) async throws(UpstreamError) -> (HTTPResponseStatus, String?, ByteBuffer) {
        metrics.queries.increment()
        let encoded = form.map { "\(FormEncoding.escape($0.0))=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
        let getOnly = path.hasPrefix(Self.labelValuesPrefix)
        var request = HTTPClientRequest(url: baseURL + path + (getOnly && !encoded.isEmpty ? "?" + encoded : ""))
        request.method = getOnly ? .GET : .POST
        // The client request this query is for, so Prometheus' (or a proxy's) logs can be tied to ours.
        if let id = RequestTrace.id { request.headers.add(name: "X-Request-ID", value: id) }
        if !getOnly {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: encoded))
        }

        let answer: (HTTPResponseStatus, String?, ByteBuffer)
        let started = ContinuousClock.now
        defer { metrics.duration(of: path).record(duration: ContinuousClock.now - started) }
        do {
            answer = try await withUpstreamDeadline(timeout) { [httpClient, maxBodyBytes, request] in
                let response = try await httpClient.execute(request, timeout: .init(timeout))
                return (response.status, response.headers.first(name: "Content-Type"), try await response.body.collect(upTo: maxBodyBytes))
            }
        } catch where Task.isCancelled || error is CancellationError {
            // The caller went away: not Prometheus' fault, so no error counted.
            throw .cancelled
        } catch let error as UpstreamError {
            metrics.timeouts.increment()
            throw error
        } catch is NIOTooManyBytesError {
            metrics.badResponses.increment()
            throw .tooLarge(limitBytes: maxBodyBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            metrics.timeouts.increment()
            throw .timeout(seconds: timeout.secondsValue)
        } catch {
            metrics.unreachable.increment()
            throw .unreachable(String(describing: error))
        }
        logger.debug("Prometheus answered", metadata: ["path": "\(path)", "status": "\(answer.0.code)", "bytes": "\(answer.2.readableBytes)"])
        return answer
    }
}

/// `application/x-www-form-urlencoded` values: everything but unreserved characters percent-encoded. Every query
/// sent is escaped, a snapshot's (1.7 KB) on each cold request: written byte by byte into one buffer.
enum FormEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    static func escape(_ value: String) -> String {
        let utf8 = value.utf8
        return String(unsafeUninitializedCapacity: 3 * utf8.count) { out in
            var count = 0
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                    out[count] = byte
                    count += 1
                default:
                    out[count] = UInt8(ascii: "%")
                    out[count + 1] = hex[Int(byte >> 4)]
                    out[count + 2] = hex[Int(byte & 0x0F)]
                    count += 3
                }
            }
            return count
        }
    }
}
