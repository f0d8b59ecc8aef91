import HTTPTypes
import Hummingbird

/// Data routes need a valid credential (`--auth`); `/health`, `/ready`, `/metrics` and the page stay open.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: any Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let caller: Caller
        switch await authenticator.authenticate(bearer: Self.bearer(request.headers[.authorization])) {
        case .success(let found): caller = found
        case .failure(let failure): throw APIError.unauthorized(failure.description)
        }
        var context = context
        // ks-apiserver's authProxy sets X-Remote-User; anyone else can too, so it only names the user in logs when the
        // token says the same, and never grants anything.
        if let user = caller.username {
            context.logger[metadataKey: "user"] = "\(user)"
            if let remote = request.headers[.remoteUser], remote != user {
                context.logger.notice("X-Remote-User differs from the token's user; ignored", metadata: ["remoteUser": "\(remote.prefix(100))"])
            }
        }
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer <token>` header (the scheme in any case), else nil.
    static func bearer(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingWhitespace()
        return token.isEmpty ? nil : String(token)
    }
}

extension HTTPField.Name {
    static let remoteUser = HTTPField.Name("X-Remote-User")!
}
