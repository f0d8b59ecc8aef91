import Hummingbird

/// The console's bundle (`Public/console/index.js`, named by the extension's JSBundle) goes out as
/// `application/javascript`, the type ks-apiserver serves JSBundles with, where the file middleware would say
/// `text/javascript`.
struct ConsoleBundleMiddleware<Context: RequestContext>: RouterMiddleware {
    static var path: String { "/console/index.js" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if request.uri.path == Self.path, response.status == .ok || response.status == .partialContent {
            response.headers[.contentType] = "application/javascript; charset=utf-8"
        }
        return response
    }
}
