import Foundation
import Hummingbird

/// The one error type the API answers with: a stable `code`, an HTTP status and a message for people.
public struct APIError: HTTPResponseError, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONCoding.encoder.encode(ErrorBody(error: .init(code: code, message: message)))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .serviceUnavailable { headers[.retryAfter] = "5" }
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
}

/// Turns whatever a handler or the router throws into the JSON error shape; never a stack trace.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase
            throw APIError(error.status, code: code, message: message)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, code: "internal", message: "internal error; see the server log")
        }
    }
}
