import Foundation
import Testing

/// The container image is built from a copy of only some folders; each one the EmbedResources plugin compiles into the
/// binary must be among them, or the image's binary would serve an empty page, migrate nothing or document nothing.
@Suite struct ContainerBuildTests {
    static func read(_ path: String) throws -> String {
        try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func theDockerfileCopiesEveryEmbeddedFolder() throws {
        let plugin = try Self.read("Plugins/EmbedResources/EmbedResources.swift")
        let list = try #require(plugin.firstMatch(of: /static let folders = \[([^\]]*)\]/)?.1)
        let folders = list.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"")) }
        #expect(folders.count >= 3, "\(folders)")
        let dockerfile = try Self.read("Dockerfile")
        for folder in folders {
            #expect(dockerfile.contains("COPY \(folder) ./\(folder)"), "the Dockerfile does not copy \(folder)/")
        }
    }
}
