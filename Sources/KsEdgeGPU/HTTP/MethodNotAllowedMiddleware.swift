import Hummingbird

/// A known path asked with a method it does not serve answers 405 with `Allow`, not 404. Added to the router after
/// every route, so it sees only requests no route took (Hummingbird applies middleware to the routes added after it,
/// and to the not-found answer).
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: [(path: RouterPath, method: HTTPRequest.Method)]

    init(routes: [Router<Context>.RouteDescription]) {
        self.routes = routes.map { ($0.path, $0.method) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound {
            let allowed = allowedMethods(request.uri.path)
            guard !allowed.isEmpty else { throw error }
            throw APIError.methodNotAllowed(request.method, path: request.uri.path, allowed: allowed)
        }
    }

    /// The methods of the routes whose path matches `path`, in a stable order.
    func allowedMethods(_ path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        let methods = routes.filter { route in
            route.path.components.count == parts.count && zip(route.path.components, parts).allSatisfy { $0 ~= $1 }
        }.map(\.method)
        return Array(Set(methods)).sorted { $0.rawValue < $1.rawValue }
    }
}
