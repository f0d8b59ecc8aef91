import Foundation
import PackagePlugin

/// Compiles `migrations/`, `Public/` and `api/` (the OpenAPI document) into the library (`EmbeddedResources.files`), so the binary serves the page
/// and migrates its database from any directory, with nothing beside it.
@main
struct EmbedResources: BuildToolPlugin {
    static let folders = ["migrations", "Public", "api"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        var inputs: [URL] = []
        for folder in Self.folders {
            let directory = root.appending(path: folder)
            guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let file as URL in walker where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                inputs.append(file)
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedResources.swift")
        return [.buildCommand(
            displayName: "Embedding \(Self.folders.joined(separator: " and ")) (\(inputs.count) files)",
            executable: try context.tool(named: "embed-resources").url,
            arguments: [output.path, root.path] + inputs.map(\.path),
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
