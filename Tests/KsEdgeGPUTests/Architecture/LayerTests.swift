import Foundation
import Testing

/// The library's folders are layers: each may use only the types and functions declared in the folders before it.
/// Checked here by reading the sources, since they share one SwiftPM target (see Package.swift).
@Suite struct LayerTests {
    static let layers = ["Contract", "PromQL", "Exporters", "Prometheus", "Inventory", "Services", "KubeSphere", "HTTP", "App"]
    static let sources = Fixtures.repositoryRoot.appendingPathComponent("Sources/KsEdgeGPU")

    /// A source file: its folder and text.
    struct SourceFile {
        var folder: String
        var name: String
        var text: String
    }

    static func readSources() throws -> [SourceFile] {
        let files = try FileManager.default.subpathsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }
        return try files.map { path in
            let parts = path.split(separator: "/")
            return SourceFile(folder: parts.count > 1 ? String(parts[0]) : "", name: path,
                              text: try String(contentsOf: sources.appendingPathComponent(path), encoding: .utf8))
        }
    }

    /// Names declared at the top level of a file: types, protocols, type aliases and free functions.
    static func declarations(_ text: String) -> Set<String> {
        let pattern = /^(?:(?:public|internal|fileprivate|private|final|indirect)\s+)*(?:struct|enum|class|protocol|actor|typealias|func)\s+([A-Za-z_][A-Za-z0-9_]*)/
        return Set(code(text).split(separator: "\n").compactMap { line in line.firstMatch(of: pattern).map { String($0.output.1) } })
    }

    /// The identifiers a file's code uses, comments and string literals left out.
    static func identifiers(_ text: String) -> Set<String> {
        Set(code(text).matches(of: /[A-Za-z_][A-Za-z0-9_]*/).map { String($0.output) })
    }

    /// `text` without comments and without the contents of string literals (enough for this codebase's style).
    static func code(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var out = ""
            var inString = false
            var previous: Character = " "
            for character in line {
                if !inString, character == "/", previous == "/" { out.removeLast(); break }
                if character == "\"", previous != "\\" { inString.toggle(); out.append(character) } else if !inString { out.append(character) }
                previous = character
            }
            return out
        }.joined(separator: "\n")
    }

    /// Every use of a name declared in a later layer, as "file uses Name (Layer)".
    static func violations(_ files: [SourceFile], layers: [String]) -> [String] {
        var declaredIn: [String: String] = [:]
        for file in files { for name in declarations(file.text) { declaredIn[name] = file.folder } }
        return files.flatMap { file -> [String] in
            guard let own = layers.firstIndex(of: file.folder) else { return ["\(file.name) is in no layer"] }
            return identifiers(file.text).sorted().compactMap { name in
                guard let folder = declaredIn[name], let index = layers.firstIndex(of: folder), index > own else { return nil }
                return "\(file.name) uses \(name) (\(folder))"
            }
        }
    }

    @Test func everyFolderUsesOnlyTheFoldersBeforeIt() throws {
        let files = try Self.readSources()
        #expect(files.count > 30, "no sources found at \(Self.sources.path)")
        #expect(Set(files.map(\.folder)) == Set(Self.layers))
        let found = Self.violations(files, layers: Self.layers)
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }

    @Test func theCheckFindsAnUpwardUse() {
        let files = [
            SourceFile(folder: "Contract", name: "Contract/A.swift", text: "public struct NodeThing {\n    var x: ServiceThing // ServiceThing\n}"),
            SourceFile(folder: "Services", name: "Services/B.swift", text: "struct ServiceThing { let y: NodeThing }\nfunc helper() {}"),
            SourceFile(folder: "Contract", name: "Contract/C.swift", text: "let text = \"helper()\" // helper"),
        ]
        #expect(Self.violations(files, layers: ["Contract", "Services"]) == ["Contract/A.swift uses ServiceThing (Services)"])
    }

    /// Snapshot, fleet, history, refresh and cache code know exporters only through the registry.
    @Test func servicesAndQueriesNameNoExporter() throws {
        let exporterWords = /JetsonCollector|DCGMExporter|NvidiaSMIExporter|\.jetson\b|\.dcgm\b|\.nvidiaSMI\b|"gpu_(usage|info|temperatures|nvpmode|uptime|processes)|DCGM_FI|nvidia_smi_/
        let checked = try Self.readSources().filter { ["Services", "Prometheus", "Inventory", "KubeSphere", "HTTP"].contains($0.folder) }
        #expect(!checked.isEmpty)
        for file in checked {
            let found = file.text.firstMatch(of: exporterWords).map { String(file.text[$0.range]) }
            #expect(found == nil, "\(file.name) names an exporter: \(found ?? "")")
        }
    }
}
