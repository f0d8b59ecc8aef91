import Hummingbird

/// `Access-Control-Expose-Headers` on the actual answers to the allowed origin, where browsers read it (Hummingbird's
/// CORSMiddleware sends it on preflights only), so a console on that origin can read the request id and data age.
struct ExposeHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let origin: String
    let headers: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.origin] == origin else { return try await next(request, context) }
        var response = try await everyAnswer(request, context, next)
        response.headers[.accessControlExposeHeaders] = headers.joined(separator: ", ")
        return response
    }
}
