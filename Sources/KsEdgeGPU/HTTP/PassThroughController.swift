import Foundation
import Hummingbird

/// Prometheus' read API for consoles written against Prometheus directly (`/api/v1/query?query=gpu_usage_gpu`),
/// passed through with Prometheus' body unchanged, but only for selectors the policy allows.
struct PassThroughController {
    let forwarder: any PrometheusForwarder
    let policy: PassThroughPolicy
    /// Larger POST bodies are refused (413) rather than read.
    static let maxBodyBytes = 256 * 1024

    /// The parameters each endpoint forwards; any other is dropped. `expressions` must all pass the policy.
    struct Endpoint: Sendable {
        var parameters: Set<String>
        /// Parameters holding PromQL: `query` or the `match[]` series selectors.
        var expression: String
        var requiresExpression: Bool
    }

    static let query = Endpoint(parameters: ["query", "time", "timeout", "limit"], expression: "query", requiresExpression: true)
    static let range = Endpoint(parameters: ["query", "start", "end", "step", "timeout", "limit"], expression: "query", requiresExpression: true)
    /// Series, label names and label values list only what `match[]` selects, and it must be given: without it they
    /// would show every metric Prometheus holds.
    static let matching = Endpoint(parameters: ["match[]", "start", "end", "limit"], expression: "match[]", requiresExpression: true)

    func addRoutes(to group: RouterGroup<some RequestContext>) {
        for (path, endpoint) in [("query", Self.query), ("query_range", Self.range), ("series", Self.matching), ("labels", Self.matching)] {
            group.get(RouterPath(path)) { request, context in try await pass(request, context, endpoint, path: path) }
            group.post(RouterPath(path)) { request, context in try await pass(request, context, endpoint, path: path) }
        }
        let values = { @Sendable (request: Request, context: any RequestContext) async throws -> Response in
            let raw = context.parameters.get("name") ?? ""
            guard LabelName(raw) != nil else { throw APIError.invalidParameter("name", "'\(raw.prefix(100))' is not a label name") }
            return try await pass(request, context, Self.matching, path: "label/\(raw)/values")
        }
        group.get("label/{name}/values") { request, context in try await values(request, context) }
        group.post("label/{name}/values") { request, context in try await values(request, context) }
    }

    func pass(_ request: Request, _ context: some RequestContext, _ endpoint: Endpoint, path: String) async throws -> Response {
        var parameters = request.queryFields
        if request.method == .post {
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: Self.maxBodyBytes) } catch {
                throw APIError(.contentTooLarge, code: "body_too_large", message: "the form body is larger than \(Self.maxBodyBytes) bytes")
            }
            parameters += FormFields.pairs(String(buffer: body))
        }
        let forwarded = parameters.filter { endpoint.parameters.contains($0.0) }
        let expressions = forwarded.filter { $0.0 == endpoint.expression }.map(\.1)
        if endpoint.requiresExpression, expressions.isEmpty {
            throw APIError.invalidParameter(endpoint.expression, "is required and must name allowed metrics")
        }
        for expression in expressions {
            if let refusal = policy.refusal(for: expression) {
                switch refusal {
                case .unreadable: throw APIError.invalidParameter(endpoint.expression, refusal.description)
                default: throw APIError(.forbidden, code: "metric_not_allowed", message: refusal.description)
                }
            }
        }
        let answer: ForwardedAnswer
        do {
            answer = try await forwarder.forward(path: "/api/v1/" + path, form: forwarded)
        } catch {
            if error == .cancelled { throw CancellationError() }
            throw APIError(.serviceUnavailable, code: "prometheus_unavailable", message: "\(error)")
        }
        return Response(status: .init(code: answer.status),
                        headers: [.contentType: answer.contentType ?? "application/json"], body: .init(byteBuffer: answer.body))
    }
}
