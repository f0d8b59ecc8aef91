import Foundation
import KsEdgeGPU

/// The exporter captures in ../shared/fixtures/exporters (beside the repository), read as Prometheus would.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["FIXTURES_DIR"] { return URL(fileURLWithPath: override) }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/exporters")
    }()

    static let migrations = repositoryRoot.appendingPathComponent("migrations").path
    static let publicDirectory = repositoryRoot.appendingPathComponent("Public").path

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    /// A fixture's samples, labelled as the ServiceMonitor stores them (`instance` = node, job, exporter pod).
    static func series(_ name: String, node: String, timestamp: Double = Date().timeIntervalSince1970) throws -> [Series] {
        try ExpositionParser.parse(text(name), timestamp: timestamp).map { series in
            var labelled = series
            labelled.labels["instance"] = node
            labelled.labels["job"] = "jetson-exporter"
            labelled.labels["namespace"] = "kubesphere-monitoring-system"
            labelled.labels["pod"] = "jetson-exporter-abcde"
            return labelled
        }
    }

    /// Every fixture file in the Jetson collector's format (`gpu_*` families).
    static var jetsonFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".prom") }.sorted().filter { name in
            ((try? text(name)) ?? "").contains("\ngpu_usage_gpu{")
        }
    }
}

/// A temporary folder removed at the end of the test.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ks-edge-gpu-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
