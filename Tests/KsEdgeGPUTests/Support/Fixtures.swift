import Foundation
import KsEdgeGPU

/// The exporter captures in Tests/Fixtures/exporters, read as Prometheus would.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["FIXTURES_DIR"] { return URL(fileURLWithPath: override) }
        return repositoryRoot.appendingPathComponent("Tests/Fixtures/exporters")
    }()

    /// node_exporter's real page (Debian 1.5.0, a 2-core VM), trimmed to the families ks-edge-gpu reads.
    static let nodeExporterPage = repositoryRoot.appendingPathComponent("Tests/Fixtures/node-exporter/debian-vm-2-cores.prom").path

    static let migrations = repositoryRoot.appendingPathComponent("migrations").path
    static let publicDirectory = repositoryRoot.appendingPathComponent("Public").path

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    /// The scrape job of the exporter a fixture file captures.
    static func job(of file: String) -> String {
        file.hasPrefix("dcgm") ? "dcgm-exporter" : file.hasPrefix("nvidia-smi") ? "nvidia-gpu-exporter" : "jetson-exporter"
    }

    /// A fixture's samples as Prometheus stores them after a ServiceMonitor scrape (honorLabels: false): the target's
    /// labels (`instance` = node, job, the exporter's namespace, pod and container) are added, and a label of the page that
    /// clashes with one of them is kept as `exported_<name>`.
    static func series(_ name: String, node: String, timestamp: Double = Date().timeIntervalSince1970) throws -> [Series] {
        let job = job(of: name)
        var target = ["instance": node, "job": job, "namespace": "kubesphere-monitoring-system", "pod": "\(job)-abcde"]
        // The jetson ServiceMonitor drops `container`; the GPU servers' keep the exporter container's.
        if job != "jetson-exporter" { target["container"] = job }
        return try ExpositionParser.parse(text(name), timestamp: timestamp).map { series in
            var labels = series.labels
            for (key, value) in target {
                if let clash = labels.updateValue(value, forKey: key) { labels["exported_" + key] = clash }
            }
            return Series(labels: labels, points: series.points)
        }
    }

    /// The `index`-th of `files`, cycling; a missing fixture set fails with a message instead of trapping.
    static func pick(_ files: [String], _ index: Int) throws -> String {
        guard !files.isEmpty else { throw Missing(directory: directory.path) }
        return files[index % files.count]
    }

    struct Missing: Error, CustomStringConvertible {
        let directory: String
        var description: String { "no exporter fixtures in \(directory)" }
    }

    /// Every exporter page among the fixtures, by name; none when the folder is missing.
    static var exporterPages: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".prom") }.sorted()
    }

    /// Every fixture file in the Jetson collector's format (`gpu_*` families).
    static var jetsonFiles: [String] {
        exporterPages.filter { name in
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
