import Foundation

/// A start-up problem with a message naming the setting or file, for the operator.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
}

extension ServeConfiguration {
    /// The authenticator `--auth` asks for, with its secret read from its file now, so a bad file stops start-up.
    func authenticator(now: @escaping @Sendable () -> Date) async throws -> any Authenticator {
        switch auth {
        case .none:
            return OpenAccess()
        case .token:
            return StaticTokenAuthenticator(token: try Self.secret(authTokenFile, ServeSetting.authTokenFile))
        case .kubesphere:
            do {
                return try await KubeSphereTokenAuthenticator(secret: try Self.secret(jwtSecretFile, ServeSetting.jwtSecretFile), now: now)
            } catch let error as KubeSphereTokenAuthenticator.SecretTooShort {
                throw StartupError(description: "--\(ServeSetting.jwtSecretFile.flag) \(jwtSecretFile ?? ""): \(error)")
            }
        }
    }

    /// The file's contents without surrounding white space (a Secret mounted as a file often ends in a newline).
    static func secret(_ path: String?, _ setting: ServeSetting) throws -> String {
        guard let path else { throw StartupError(description: "--\(setting.flag) (\(setting.variable)) is not set") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StartupError(description: "--\(setting.flag) \(path): cannot read the file")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw StartupError(description: "--\(setting.flag) \(path): the file is empty") }
        return secret
    }
}
