import Hummingbird
import HTTPTypes

extension HTTPField.Name {
    static let requestID = Self("X-Request-ID")!
}

/// Every answer carries `X-Request-ID`: a valid incoming one is kept (so a console's or proxy's id ties their logs to
/// ours), otherwise one is made. The request's work runs with it as `RequestTrace.id`, so its log lines and its
/// Prometheus queries carry it too. Outermost, so error answers carry it as well.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let incoming = request.headers[.requestID]
        let id = incoming.flatMap { RequestTrace.isValid($0) ? $0 : nil } ?? context.id
        var context = context
        context.logger[metadataKey: RequestTrace.metadataKey] = .string(id)
        var response = try await RequestTrace.$id.withValue(id) { try await everyAnswer(request, context, next) }
        response.headers[.requestID] = id
        return response
    }
}
