import Foundation

/// The migrations, the operator page and the OpenAPI document, compiled into the binary by the EmbedResources build plugin, so
/// `ks-edge-gpu serve` needs nothing beside it.
enum BuiltInFiles {
    /// The files under `folder` (a folder of the package), keyed by their path inside it.
    static func files(under folder: String) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for (path, base64) in EmbeddedResources.files where path.hasPrefix(folder + "/") {
            // The plugin wrote this base64 from the file's bytes; it decodes unless the build is corrupt.
            guard let data = Data(base64Encoded: base64) else { preconditionFailure("embedded \(path) is not base64") }
            files[String(path.dropFirst(folder.count + 1))] = Array(data)
        }
        return files
    }

    static var migrations: [Inventory.Migration] {
        files(under: "migrations").filter { $0.key.hasSuffix(".sql") }
            .map { Inventory.Migration(name: $0.key, sql: String(decoding: $0.value, as: UTF8.self)) }
            .sorted { $0.name < $1.name }
    }

    static var page: [String: [UInt8]] { files(under: "Public") }

    /// `api/openapi.yaml`, the API's contract, served at `/openapi.yaml`.
    static var openAPIDocument: [UInt8] { files(under: "api")["openapi.yaml"] ?? [] }
}
