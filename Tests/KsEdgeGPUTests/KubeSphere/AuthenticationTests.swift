import Crypto
import Foundation
import Hummingbird
import JWTKit
import Testing
@testable import KsEdgeGPU

/// KubeSphere tokens as ks-apiserver issues them, and the ways a token can be wrong.
@Suite struct AuthenticationTests {
    static let secret = "kubesphere-jwt-secret-0123456789abcdef"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A token signed HS256 with `secret`, as ks-apiserver's issuer writes it.
    static func token(secret: String = secret, type: String? = "access_token", expires: TimeInterval? = 3600, notBefore: TimeInterval? = nil,
                      issued: TimeInterval = -60, username: String = "admin") async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let claims = KubeSphereClaims(
            iss: "kubesphere", sub: SubjectClaim(value: username), exp: expires.map { ExpirationClaim(value: now + $0) },
            iat: IssuedAtClaim(value: now + issued), nbf: notBefore.map { NotBeforeClaim(value: now + $0) }, username: username, tokenType: type)
        return try await keys.sign(claims)
    }

    /// A token with any header, signed with HMAC-SHA256 over `secret` (what a forger holding the secret as an "RS256
    /// public key" would send), or with `signature` as given.
    static func forged(header: String, signature: String? = nil) -> String {
        let encode = { (text: String) in Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") }
        let payload = #"{"username":"admin","token_type":"access_token","exp":\#(Int(now.timeIntervalSince1970) + 3600)}"#
        let signed = encode(header) + "." + encode(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let computed = Data(mac).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return signed + "." + (signature ?? computed)
    }

    func authenticator() async throws -> KubeSphereTokenAuthenticator {
        try await KubeSphereTokenAuthenticator(secret: Self.secret, now: { Self.now })
    }

    @Test func secretShorterThanTheHashIsRefused() async {
        await #expect(throws: KubeSphereTokenAuthenticator.SecretTooShort.self) { try await KubeSphereTokenAuthenticator(secret: "short") }
    }

    @Test func validAccessTokenNamesItsUser() async throws {
        let result = await (try authenticator()).authenticate(bearer: try await Self.token())
        #expect(result == .success(Caller(username: "admin")))
    }

    @Test func staticTokenWithoutExpiryIsAccepted() async throws {
        #expect(await (try authenticator()).authenticate(bearer: try await Self.token(type: "static_token", expires: nil)) == .success(Caller(username: "admin")))
    }

    @Test func accessTokenWithoutExpiryIsRefused() async throws {
        #expect(await (try authenticator()).authenticate(bearer: try await Self.token(expires: nil)) == .failure(.invalid))
    }

    @Test(arguments: [
        ("expired", -120.0, nil as Double?, -3600.0),
        ("not yet valid", 3600, 600, -60),
        ("issued in the future", 3600, nil, 600),
    ])
    func timeClaimsAreChecked(_ what: String, expires: Double, notBefore: Double?, issued: Double) async throws {
        let token = try await Self.token(expires: expires, notBefore: notBefore, issued: issued)
        #expect(await (try authenticator()).authenticate(bearer: token) == .failure(.invalid), "\(what)")
    }

    @Test func smallClockSkewIsTolerated() async throws {
        // Expired 10 s ago, within the leeway.
        #expect(await (try authenticator()).authenticate(bearer: try await Self.token(expires: -10)) == .success(Caller(username: "admin")))
    }

    @Test(arguments: ["refresh_token", "code", "id_token", "something"])
    func onlyAccessAndStaticTokensAreAccepted(type: String) async throws {
        #expect(await (try authenticator()).authenticate(bearer: try await Self.token(type: type)) == .failure(.invalid))
    }

    @Test func tokenWithoutTypeIsRefused() async throws {
        #expect(await (try authenticator()).authenticate(bearer: try await Self.token(type: nil)) == .failure(.invalid))
    }

    @Test func wrongSecretIsRefused() async throws {
        #expect(await (try authenticator()).authenticate(bearer: try await Self.token(secret: "another-secret-of-32-bytes-or-more!!")) == .failure(.invalid))
    }

    @Test(arguments: [#"{"alg":"none","typ":"JWT"}"#, #"{"alg":"RS256","typ":"JWT"}"#, #"{"alg":"HS512","typ":"JWT"}"#, #"{"typ":"JWT"}"#])
    func anyAlgorithmButHS256IsRefused(header: String) async throws {
        #expect(await (try authenticator()).authenticate(bearer: Self.forged(header: header)) == .failure(.invalid))
    }

    @Test func unsignedNoneTokenIsRefused() async throws {
        let unsigned = Self.forged(header: #"{"alg":"none"}"#, signature: "")
        #expect(await (try authenticator()).authenticate(bearer: unsigned) != .success(Caller(username: "admin")))
    }

    @Test func hs256HeaderWithTheRightMACIsAccepted() async throws {
        // The control for the forgeries above: the same construction with the pinned algorithm passes.
        #expect(await (try authenticator()).authenticate(bearer: Self.forged(header: #"{"alg":"HS256","typ":"JWT"}"#)) == .success(Caller(username: "admin")))
    }

    @Test(arguments: ["", "abc", "a.b", "a.b.c.d", "!!!.???.###", "e30.e30."])
    func malformedTokensAreRefused(token: String) async throws {
        #expect(await (try authenticator()).authenticate(bearer: token) == .failure(.malformed))
    }

    @Test func missingTokenIsRefused() async throws {
        #expect(await (try authenticator()).authenticate(bearer: nil) == .failure(.missing))
        #expect(await StaticTokenAuthenticator(token: "t").authenticate(bearer: nil) == .failure(.missing))
    }

    @Test(arguments: [("s3cret", true), ("s3cre", false), ("s3cret!", false), ("S3CRET", false), ("", false)])
    func staticTokenMustMatchExactly(given: String, accepted: Bool) async {
        let result = await StaticTokenAuthenticator(token: "s3cret").authenticate(bearer: given)
        #expect((result == .success(Caller(username: nil))) == accepted)
    }

    @Test(arguments: [("Bearer abc", "abc"), ("bearer abc", "abc"), ("Bearer  abc ", "abc"), ("Basic abc", nil), ("Bearer", nil), ("Bearer ", nil)])
    func bearerHeaderIsRead(header: String, token: String?) {
        #expect(AuthMiddleware<BasicRequestContext>.bearer(header) == token)
    }
}
