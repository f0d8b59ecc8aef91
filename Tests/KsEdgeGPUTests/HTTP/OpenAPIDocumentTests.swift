import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing
@testable import KsEdgeGPU

/// `api/openapi.yaml` is what `/openapi.yaml` serves, and it describes the routes the server has: every documented
/// operation is routed, and each documented path takes exactly the documented methods. (schemathesis checks the
/// answers against it in scripts/e2e.)
@Suite struct OpenAPIDocumentTests {
    static let document = (try? String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("api/openapi.yaml"), encoding: .utf8)) ?? ""

    /// The paths under `paths:` with their methods, read from the document's layout: two spaces for a path, four for
    /// its methods, or a `$ref` to a path item under `components: pathItems:` (four spaces for its name, six for methods).
    static var operations: [String: Set<String>] {
        let methods = ["get", "post", "put", "delete", "patch"]
        var operations: [String: Set<String>] = [:]
        var pathItems: [String: Set<String>] = [:]
        var references: [String: String] = [:]
        var section = ""
        var current: String?
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if !line.hasPrefix(" ") { section = String(line); current = nil; continue }
            if section == "components:" || section == "pathItems", line.hasPrefix("  "), !line.hasPrefix("   ") { section = line == "  pathItems:" ? "pathItems" : "components:" }
            if section == "paths:", line.hasPrefix("  /") {
                let parts = line.dropFirst(2).split(separator: ":", maxSplits: 1)
                current = String(parts[0])
                operations[current!] = []
                if let reference = parts.last?.firstMatch(of: /pathItems\/(\w+)/) { references[current!] = String(reference.1) }
            } else if section == "paths:", let path = current, let method = methods.first(where: { line == "    \($0):" }) {
                operations[path]!.insert(method.uppercased())
            } else if section == "pathItems", line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                current = String(line.trimmingCharacters(in: .whitespaces).dropLast())
                pathItems[current!] = []
            } else if section == "pathItems", let item = current, let method = methods.first(where: { line == "      \($0):" }) {
                pathItems[item]!.insert(method.uppercased())
            }
        }
        for (path, item) in references { operations[path] = pathItems[item] ?? [] }
        return operations
    }

    /// The path with example values for its parameters.
    static func example(_ path: String) -> String {
        path.replacingOccurrences(of: "/label/{name}/", with: "/label/instance/").replacingOccurrences(of: "{name}", with: "edge-nx-01")
    }

    @Test func theServerServesTheRepositorysDocument() async throws {
        #expect(Self.document.hasPrefix("openapi: 3.1."))
        try await TestApp.withRouter(FakeMetricsSource()) { client, _ in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml; charset=utf-8")
                #expect(String(buffer: response.body) == Self.document)
            }
        }
    }

    @Test func everyDocumentedOperationIsRoutedAndNoOtherMethodIs() async throws {
        let operations = Self.operations
        #expect(operations.count >= 23 && operations.values.allSatisfy { !$0.isEmpty }, "\(operations.keys.sorted())")
        let source = try FakeMetricsSource(series: Fixtures.series("jetson-xavier-nx.prom", node: "edge-nx-01"))
        let directory = try TemporaryDirectory()
        let app = try await buildApplication(TestApp.configuration(database: directory.file("db.sqlite")), source: source,
                                             metricsRegistry: PrometheusCollectorRegistry(), logger: TestApp.logger)
        try await app.test(.router) { client in
            for (path, methods) in operations.sorted(by: { $0.key < $1.key }) where !path.hasSuffix("/stream") {
                for method in methods {
                    try await client.execute(uri: Self.example(path), method: HTTPRequest.Method(method)!) { response in
                        let code = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(buffer: response.body)).error.code
                        #expect(code != "not_found" && response.status != .methodNotAllowed, "\(method) \(path): \(response.status)")
                    }
                }
                // A method the document does not list is refused, naming the ones it does. (The page's files, the
                // console's bundle among them, are no route.)
                guard path != "/", path != "/console/index.js" else { continue }
                try await client.execute(uri: Self.example(path), method: .delete) { response in
                    #expect(response.status == .methodNotAllowed, "DELETE \(path)")
                    let allowed = Set((response.headers[.allow] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                    #expect(allowed.subtracting(["HEAD"]) == methods, "\(path) allows \(allowed), the document says \(methods)")
                }
            }
        }
    }
}
