import Foundation
import JWTKit

/// Who a data request comes from, once its credential checked out.
public struct Caller: Sendable, Equatable {
    /// The KubeSphere user the token was issued to; nil without user tokens (`--auth none` or `token`).
    public var username: String?

    public init(username: String?) { self.username = username }
}

/// Why a request was refused; the message is for the client and names no secret.
public struct AuthenticationFailure: Error, Equatable, CustomStringConvertible {
    public let description: String

    public static let missing = AuthenticationFailure(description: "a bearer token is required (Authorization: Bearer <token>)")
    public static let malformed = AuthenticationFailure(description: "the bearer token is not a well-formed token")
    public static let invalid = AuthenticationFailure(description: "the bearer token is not valid")
}

/// Checks the bearer token of a data request (`--auth`).
public protocol Authenticator: Sendable {
    func authenticate(bearer token: String?) async -> Result<Caller, AuthenticationFailure>
}

/// `--auth none`: everyone may read (the demo's default).
public struct OpenAccess: Authenticator {
    public init() {}

    public func authenticate(bearer token: String?) async -> Result<Caller, AuthenticationFailure> { .success(Caller(username: nil)) }
}

/// `--auth token`: one shared bearer token, compared in constant time.
public struct StaticTokenAuthenticator: Authenticator {
    let expected: [UInt8]

    public init(token: String) { expected = Array(token.utf8) }

    public func authenticate(bearer token: String?) async -> Result<Caller, AuthenticationFailure> {
        guard let token else { return .failure(.missing) }
        let given = Array(token.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
        return difference == 0 ? .success(Caller(username: nil)) : .failure(.invalid)
    }
}

/// `--auth kubesphere`: the bearer must be a KubeSphere token, an HS256 JWT signed with the cluster's
/// `authentication.issuer.jwtSecret`, of type `access_token` or `static_token`, within its validity period.
/// A signature check cannot see a token revoked at logout: it stays valid here until it expires.
public struct KubeSphereTokenAuthenticator: Authenticator {
    let keys: JWTKeyCollection
    let now: @Sendable () -> Date
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    static let leeway: TimeInterval = 30
    static let acceptedTypes: Set<String> = ["access_token", "static_token"]

    /// HS256 keys shorter than the hash are refused by jwt-kit; KubeSphere generates 32-character secrets.
    public static let minimumSecretBytes = 32

    public struct SecretTooShort: Error, CustomStringConvertible {
        public var description: String { "the JWT secret is shorter than \(KubeSphereTokenAuthenticator.minimumSecretBytes) bytes" }
    }

    public init(secret: String, now: @escaping @Sendable () -> Date = Date.init) async throws(SecretTooShort) {
        guard secret.utf8.count >= Self.minimumSecretBytes else { throw SecretTooShort() }
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.now = now
    }

    public func authenticate(bearer token: String?) async -> Result<Caller, AuthenticationFailure> {
        guard let token else { return .failure(.missing) }
        // The algorithm is pinned before any library looks at the token: `none`, RS256 (keyed with the secret as a
        // "public key") and every other header are refused outright.
        guard let header = Self.header(of: token) else { return .failure(.malformed) }
        guard header["alg"] as? String == "HS256" else { return .failure(.invalid) }
        let claims: KubeSphereClaims
        do {
            claims = try await keys.verify(token, as: KubeSphereClaims.self)
        } catch {
            return .failure(.invalid)
        }
        let now = now()
        guard let type = claims.tokenType, Self.acceptedTypes.contains(type) else { return .failure(.invalid) }
        // An access token always expires; a static token may not.
        if let expires = claims.exp?.value {
            guard now.timeIntervalSince(expires) < Self.leeway else { return .failure(.invalid) }
        } else if type == "access_token" {
            return .failure(.invalid)
        }
        if let notBefore = claims.nbf?.value, notBefore.timeIntervalSince(now) > Self.leeway { return .failure(.invalid) }
        if let issued = claims.iat?.value, issued.timeIntervalSince(now) > Self.leeway { return .failure(.invalid) }
        return .success(Caller(username: claims.username ?? claims.sub?.value))
    }

    /// The token's JOSE header, or nil when the token is not three base64url parts with a JSON header.
    static func header(of token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty, let data = base64URLDecoded(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return header
    }

    static func base64URLDecoded(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// The claims ks-apiserver's issuer writes (`pkg/apiserver/authentication/token/issuer.go`).
struct KubeSphereClaims: JWTPayload {
    var iss: IssuerClaim?
    var sub: SubjectClaim?
    var exp: ExpirationClaim?
    var iat: IssuedAtClaim?
    var nbf: NotBeforeClaim?
    var username: String?
    var tokenType: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, exp, iat, nbf, username
        case tokenType = "token_type"
    }

    /// Time claims are checked by the authenticator against its clock, with leeway.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
