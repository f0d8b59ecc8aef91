import Foundation
import Hummingbird

/// The one error type the API answers with: a stable `code`, an HTTP status and a message for people.
/// Services throw it; the HTTP layer renders it as `ErrorBody`.
public struct APIError: HTTPResponseError, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Headers the status calls for (`Allow` with 405, `Retry-After` with 503).
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        var headers = headers
        if status == .serviceUnavailable, headers[.retryAfter] == nil { headers[.retryAfter] = "5" }
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONCoding.encoder.encode(ErrorBody(code: code, message: message))
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    public static func invalidNodeName(_ name: String) -> APIError {
        APIError(.badRequest, code: "invalid_node_name",
                 message: "'\(name.prefix(300))' is not a valid Kubernetes node name (lower-case DNS-1123 subdomain, at most 253 characters)")
    }

    public static func nodeNotFound(_ name: NodeName) -> APIError {
        APIError(.notFound, code: "node_not_found",
                 message: "node '\(name)' has no GPU metrics in Prometheus and is not in the inventory")
    }

    public static func upstreamUnavailable(_ error: UpstreamError) -> APIError {
        APIError(.serviceUnavailable, code: "prometheus_unavailable", message: "\(error); no stored snapshot to serve instead")
    }

    public static func invalidParameter(_ name: String, _ problem: String) -> APIError {
        APIError(.badRequest, code: "invalid_parameter", message: "query parameter '\(name)': \(problem)")
    }

    public static func unauthorized(_ reason: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message: reason, headers: [.wwwAuthenticate: #"Bearer realm="ks-edge-gpu""#])
    }

    public static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, code: "method_not_allowed", message: "\(method) is not allowed on \(path.prefix(300)); use \(list)",
                        headers: [.allow: list])
    }
}
