import Hummingbird

/// What `next` answers, a thrown HTTP error turned into its answer: for middleware that sets headers on every
/// answer, errors included.
func everyAnswer<Context: RequestContext>(_ request: Request, _ context: Context,
                                          _ next: (Request, Context) async throws -> Response) async throws -> Response {
    do {
        return try await next(request, context)
    } catch let error as any HTTPResponseError {
        return try error.response(from: request, context: context)
    }
}
