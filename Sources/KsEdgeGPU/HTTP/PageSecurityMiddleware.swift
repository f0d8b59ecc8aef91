import Hummingbird

/// Headers for the operator page's HTML: a strict Content-Security-Policy (the page's own files only, no inline script
/// or style, no other origin), and no content-type sniffing. The page runs under it unchanged.
struct PageSecurityMiddleware<Context: RequestContext>: RouterMiddleware {
    static var policy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = Self.policy
            response.headers[.xContentTypeOptions] = "nosniff"
        }
        return response
    }
}
