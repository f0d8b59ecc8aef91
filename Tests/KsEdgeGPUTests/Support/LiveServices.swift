import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// Real processes and servers for integration tests: the simulator, and Prometheus from the Debian package.
enum LiveServices {
    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The Prometheus-compatible backend the integration tests run: `BACKEND=victoria-metrics` runs them on
    /// VictoriaMetrics (single-node, scraping with `-promscrape.config`, rules evaluated by vmalert), otherwise Prometheus.
    static var backend: MetricsBackend { ProcessInfo.processInfo.environment["BACKEND"].flatMap(MetricsBackend.init(rawValue:)) ?? .prometheus }

    /// The backend's server binary (named so for the tests written before VictoriaMetrics).
    static var prometheusBinary: String? {
        switch backend {
        case .prometheus: installed("PROMETHEUS_BIN", ["/usr/bin/prometheus", "/usr/local/bin/prometheus"])
        case .victoriaMetrics: victoriaMetricsBinary
        }
    }

    static var victoriaMetricsBinary: String? { installed("VICTORIA_METRICS_BIN", ["/usr/bin/victoria-metrics", "/usr/local/bin/victoria-metrics"]) }

    static var vmalertBinary: String? { installed("VMALERT_BIN", ["/usr/bin/vmalert", "/usr/local/bin/vmalert"]) }

    /// The path in the environment variable `variable`, or else the first of `candidates`, that is an executable.
    static func installed(_ variable: String, _ candidates: [String]) -> String? {
        ([ProcessInfo.processInfo.environment[variable]] + candidates).compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Integration tests run where Prometheus is installed; in CI its absence fails `prometheusIsInstalledInCI`.
    static var canRun: Bool { prometheusBinary != nil }

    /// The simulated fleet with `boards` moving nodes plus each fixture replayed verbatim as a node.
    static func withSimulator<T>(boards: Int, mix: [(SimulatedBoard.Exporter, Int)] = [(.jetson, 1)], fixtures: [String: String],
                                 nodeExporter: Bool = false, nodesPerTarget: Int = 1, _ body: (Int) async throws -> T) async throws -> T {
        var configuration = SimulatorConfiguration()
        configuration.port = 0
        configuration.nodeExporter = nodeExporter
        configuration.nodesPerTarget = nodesPerTarget
        configuration.boards = boards
        configuration.mix = mix
        configuration.fixtures = fixtures
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try SimulatorServer.build(configuration, logger: TestApp.logger) { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: TestApp.logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let result = try await body(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// A free loopback TCP port for a program that cannot bind port 0 and say which port it got (Prometheus, the
    /// Pushgateway). Chosen below the kernel's ephemeral range, which every port-0 server and every outgoing
    /// connection of the parallel tests draws from, and never handed out twice in one run: between this check and the
    /// program's bind, nothing else in the run can take it.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 10_000..<ephemeralRangeStart)
            guard handedOut.withLock({ $0.insert(port).inserted }), canBind(port) else { continue }
            return port
        }
        throw POSIXError(.EADDRINUSE)
    }

    private static let handedOut = Mutex<Set<Int>>([])

    /// The first port the kernel hands out itself (`net.ipv4.ip_local_port_range`; Linux's default 32768).
    private static let ephemeralRangeStart: Int = {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return range.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }.map { max($0, 11_000) } ?? 32_768
    }()

    private static func canBind(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

enum MetricsBackend: String, Sendable {
    case prometheus
    case victoriaMetrics = "victoria-metrics"

    /// Whether a value read through the backend is `expected`: exactly on Prometheus; to the 12 significant digits
    /// VictoriaMetrics answers with.
    func agrees(_ value: Double?, _ expected: Double?) -> Bool {
        guard let value, let expected else { return value == nil && expected == nil }
        switch self {
        case .prometheus: return value == expected
        case .victoriaMetrics: return abs(value - expected) <= 1e-11 * max(1, abs(expected))
        }
    }
}

/// A real Prometheus (or VictoriaMetrics, see `LiveServices.backend`) scraping the simulator's http_sd targets every
/// second.
final class PrometheusProcess: @unchecked Sendable {
    let process = Process()
    /// vmalert, evaluating the recording rules for VictoriaMetrics.
    var ruler: Process?
    let port: Int
    let directory: String

    /// `extraScrapeConfigs`: more jobs, YAML list items indented by two spaces. `recordingRules`: load the fleet's
    /// rule file from deploy/prometheus; `ruleFiles`: these rule files besides; all evaluated every second.
    init(targetsPort: Int, binary: String, extraScrapeConfigs: String = "", recordingRules: Bool = false, ruleFiles: [String] = []) throws {
        let ruleFiles = (recordingRules ? [Self.ruleFile] : []) + ruleFiles
        port = try LiveServices.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ks-edge-gpu-prom-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let backend = LiveServices.backend
        let configuration = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            \(backend == .prometheus ? "  evaluation_interval: 1s" : "")
            \(backend == .prometheus && !ruleFiles.isEmpty ? "rule_files: [\(ruleFiles.map { "\"\($0)\"" }.joined(separator: ", "))]" : "")
            scrape_configs:
              - job_name: jetson-exporter
                http_sd_configs:
                  - url: http://127.0.0.1:\(targetsPort)/targets
                    refresh_interval: 1s
            \(extraScrapeConfigs)
            """
        try configuration.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: binary)
        switch backend {
        case .prometheus:
            process.arguments = [
                "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ]
        case .victoriaMetrics:
            // Instant queries see the newest samples (the default hides the last 30 s, which would make every node
            // stale at a 1 s scrape interval); http_sd targets are re-read every second, as Prometheus' refresh_interval.
            process.arguments = [
                "-promscrape.config=\(directory)/prometheus.yml", "-promscrape.config.strictParse=false",
                "-promscrape.httpSDCheckInterval=1s", "-storageDataPath=\(directory)/data",
                "-httpListenAddr=127.0.0.1:\(port)", "-search.latencyOffset=0s", "-loggerLevel=ERROR",
            ]
        }
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        if backend == .victoriaMetrics, !ruleFiles.isEmpty {
            let ruler = Process()
            ruler.executableURL = URL(fileURLWithPath: try #require(LiveServices.vmalertBinary, "vmalert is not installed"))
            ruler.arguments = ruleFiles.map { "-rule=\($0)" } + [
                "-datasource.url=\(url)", "-remoteWrite.url=\(url)", "-evaluationInterval=1s",
                // Written back at once (the default batches 5 s, longer than the freshness window of a 1 s scrape).
                "-remoteWrite.flushInterval=100ms",
                // Alerting rules need somewhere to send alerts (this vmalert has no blackhole): a port nothing listens
                // on. The tests read the alerts vmalert writes back as ALERTS.
                "-notifier.url=http://127.0.0.1:\(try LiveServices.freePort())",
                "-httpListenAddr=127.0.0.1:\(try LiveServices.freePort())", "-loggerLevel=ERROR",
            ]
            ruler.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            ruler.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try ruler.run()
            self.ruler = ruler
        }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// A scrape job of one loopback target, as an item of `extraScrapeConfigs` (join several with newlines).
    /// `instance`: the node name a ServiceMonitor's relabeling gives the target; `honorLabels` keeps the page's own
    /// `job` and `instance` (a Pushgateway's grouping key); `honorTimestamps` is said explicitly, as VictoriaMetrics'
    /// default differs.
    static func job(_ name: String, port: Int, path: String = "/metrics", instance: String? = nil, honorLabels: Bool = false,
                    honorTimestamps: Bool = false) -> String {
        var lines = ["  - job_name: \(name)", "    metrics_path: \(path)"]
        if honorLabels { lines.append("    honor_labels: true") }
        if honorTimestamps { lines.append("    honor_timestamps: true") }
        lines += ["    static_configs:", "      - targets: [\"127.0.0.1:\(port)\"]"]
        if let instance { lines += ["    relabel_configs:", "      - target_label: instance", "        replacement: \(instance)"] }
        return lines.joined(separator: "\n")
    }

    /// ks-edge-gpu's configuration for a live test against this Prometheus: its SQLite file in `directory`.
    func serveConfiguration(in directory: borrowing TemporaryDirectory, scrapeInterval: Duration = .seconds(1), timeout: Duration) throws -> ServeConfiguration {
        var configuration = TestApp.configuration(database: directory.file("inventory.sqlite"), scrapeInterval: scrapeInterval)
        configuration.prometheusURL = try #require(URL(string: url))
        configuration.prometheusTimeout = timeout
        return configuration
    }

    /// The fleet's recording rules as the repository ships them (`ks-edge-gpu rules`).
    static let ruleFile = Fixtures.repositoryRoot.appendingPathComponent("deploy/prometheus/ks-edge-gpu.rules.yml").path

    /// Waits (bounded) until Prometheus has scraped `count` targets (one per node) successfully, and their series
    /// can be queried as ks-edge-gpu selects dcgm-exporter's (with `ks_edge_gpu_source=""`): VictoriaMetrics reports a scrape's
    /// `up` before a loaded machine has made its samples searchable, by such a selector later still.
    func waitForNodes(_ count: Int) async throws {
        // Honored labels may split one target's series over several (job, instance) pairs: at least `count` of them.
        let searchable = #"count(count by (job, instance) ({ks_edge_gpu_source="",job!="",__name__!~"up|scrape_.*"}))"#
        for _ in 0..<120 {
            let scraped = try? await query("count(up==1)").first?.latest?.value
            if scraped == Double(count), let found = try? await query(searchable).first?.latest?.value, found >= Double(count) { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("Prometheus did not scrape \(count) targets in 30s")
        throw CancellationError()
    }

    /// Asks this Prometheus directly, as a test's independent witness; at `time` (seconds) where given, else now.
    func query(_ text: String, at time: Double? = nil) async throws -> [Series] {
        let at = time.map { "&time=\($0)" } ?? ""
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(url)/api/v1/query?query=\(FormEncoding.escape(text))\(at)")!)
        return try QueryResponse.series(from: Array(data))
    }

    func stop() {
        for running in [ruler, process].compactMap({ $0 }) where running.isRunning {
            running.terminate()
            running.waitUntilExit()
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
