import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// On every answer, errors included (so it is outermost and turns thrown errors into their answers): no content-type
/// sniffing and no referrer. On the operator page's HTML: a strict Content-Security-Policy (the page's own files only,
/// no inline script or style, no other origin), which the page runs under unchanged.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var policy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'self'; form-action 'self'; frame-ancestors 'self'; object-src 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await everyAnswer(request, context, next)
        // Every answer: its content type is the one to use, and the page's URLs go to no other site.
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = Self.policy
        }
        return response
    }
}
