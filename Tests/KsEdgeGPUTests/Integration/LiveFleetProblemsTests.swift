import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// The fleet's problems in a real Prometheus: the exporter captures and the fault pages (Tests/Fixtures/health), the
/// dcgm-exporter one with node-exporter's nearly full page beside it and its GPU 1's thermal violation counter growing. Every node's fleet row, `/edge/problems` and the summary
/// must say what its own snapshot says, from the fleet index (no query per request); and the shipped alerting rules
/// must fire (pending or firing) for exactly the problems the API reports at warning or critical.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveFleetProblemsTests {
    static let faultyServer = "fx-dcgm-faults"

    static var fixtures: [String: String] {
        var nodes = LivePrometheusTests.fixtureNodes
        for name in ["nvidia-smi-faults", "jetson-agx-orin-hot"] {
            nodes["fx-" + name] = ProblemTests.healthDirectory.appendingPathComponent(name + ".prom").path
        }
        return nodes
    }

    /// A problem as both answers can be compared: what, how bad, where, and the reading to a tenth.
    struct Seen: Hashable, CustomStringConvertible {
        let code: ProblemCode, severity: Severity, gpu: Int?, sensor: String?, value: Double?
        init(_ code: ProblemCode, _ severity: Severity, _ gpu: Int?, _ sensor: String?, _ value: Double?) {
            (self.code, self.severity, self.gpu, self.sensor) = (code, severity, gpu, sensor)
            self.value = value.map { ($0 * 10).rounded() / 10 }
        }
        var description: String { "\(code.rawValue) \(severity.rawValue) \(gpu.map(String.init) ?? sensor ?? "") \(value.map { "\($0)" } ?? "")" }
    }

    static let alertRules = Fixtures.repositoryRoot.appendingPathComponent("deploy/prometheus/ks-edge-gpu-alerts.rules.yml").path

    /// The share of time GPU 1 of the faulty server is held down for heat, by its growing violation counter alone (its
    /// clock reasons say power brake).
    static let violationPercent = 25.0

    /// dcgm-faults.prom as the exporter serves it `elapsed` seconds after it started, at `now`: GPU 1's thermal
    /// violation counter (µs) growing by `violationPercent` of the time, GPU 0's by 40 %. The counters carry the time
    /// they were worked out (scraped with `honor_timestamps`), so a rate read from any two of them is exact however late
    /// a busy machine serves a scrape.
    static func faultyServerPage(_ page: String, elapsed: Double, now: Date = Date()) -> String {
        let stamp = Int((now.timeIntervalSince1970 * 1000).rounded())
        return page.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.hasPrefix("DCGM_FI_DEV_THERMAL_VIOLATION{"), let space = line.lastIndex(of: " "),
                  let start = Double(line[line.index(after: space)...]) else { return String(line) }
            let percent = line.contains(#"gpu="1""#) ? violationPercent : 40
            return line[...space] + "\(Int(start + elapsed * percent * 10_000)) \(stamp)"
        }.joined(separator: "\n")
    }

    /// Serves dcgm-faults.prom at `/dcgm` as `faultyServerPage` makes it, its counters growing from now.
    static func serveFaultyServer(on router: Router<BasicRequestContext>) throws {
        let page = try String(contentsOf: ProblemTests.healthDirectory.appendingPathComponent("dcgm-faults.prom"), encoding: .utf8)
        let started = Date()
        router.get("dcgm") { _, _ in
            let now = Date()
            return faultyServerPage(page, elapsed: now.timeIntervalSince(started), now: now)
        }
    }

    @Test func theFleetAndTheAlertsSayWhatEachNodesSnapshotSays() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let fixtures = Self.fixtures
        let hostPage = try String(contentsOf: ProblemTests.healthDirectory.appendingPathComponent("node-exporter-full.prom"), encoding: .utf8)
        try await LiveServices.withSimulator(boards: 0, fixtures: fixtures) { simulatorPort in
            let router = Router()
            router.get("metrics") { _, _ in hostPage }
            try Self.serveFaultyServer(on: router)
            let host = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestApp.logger)
            try await host.test(.live) { hostClient in
                let port = try #require(hostClient.port)
                let jobs = [PrometheusProcess.job("node-exporter", port: port, instance: Self.faultyServer),
                            PrometheusProcess.job("dcgm-exporter", port: port, path: "/dcgm", instance: Self.faultyServer, honorTimestamps: true)]
                let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: binary, extraScrapeConfigs: jobs.joined(separator: "\n"),
                                                       ruleFiles: [Self.alertRules])
                defer { prometheus.stop() }
                try await prometheus.waitForNodes(fixtures.count + 2)
                let directory = try TemporaryDirectory()
                // The reads below compare answers taken seconds apart: the server is told of a 3 s interval, so no
                // board turns stale between them on a loaded machine (Prometheus scrapes every second whatever it is).
                let configuration = try prometheus.serveConfiguration(in: directory, scrapeInterval: .seconds(3), timeout: .seconds(5))
                let app = try await buildApplication(configuration, logger: TestApp.logger)
                try await app.test(.live) { client in
                    try await check(client, nodes: fixtures.keys.sorted() + [Self.faultyServer])
                    try await checkAlerts(client, prometheus)
                }
            }
        }
    }

    func check(_ client: any TestClientProtocol, nodes: [String]) async throws {
        // The index is rebuilt every second: wait until it lists every board, with the faulty server's host joined in.
        var fleet: FleetList?
        for _ in 0..<120 {
            fleet = try await client.get("/edge/nodes", as: FleetList.self).1
            if fleet?.totalItems == nodes.count, fleet?.items.first(where: { $0.node == Self.faultyServer })?.problems ?? 0 >= 9 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let rows = Dictionary(uniqueKeysWithValues: try #require(fleet).items.map { ($0.node, $0) })
        let listed = try #require(try await client.get("/edge/problems", as: ProblemList.self).1)
        #expect(listed.totalItems == listed.items.count)
        for node in nodes {
            let snapshot = try #require(try await client.get("/edge/nodes/\(node)/gpu", as: NodeGPU.self).1, "\(node)")
            let row = try #require(rows[node], "\(node) in the fleet")
            // A rate read at two moments differs a little: compared apart, within a point.
            let rate = { (problem: Problem) in problem.code == .thermalThrottling && node == Self.faultyServer && problem.gpu == 1 }
            let mine = Set(snapshot.health.problems.map { Seen($0.code, $0.severity, $0.gpu, $0.sensor, rate($0) ? nil : $0.value) })
            let fleets = Set(listed.items.filter { $0.node == node }.map { Seen($0.code, $0.severity, $0.gpu, $0.sensor, rate($0.problem) ? nil : $0.value) })
            if node == Self.faultyServer {
                let percents = [snapshot.health.problems.first(where: rate)?.value, listed.items.first { $0.node == node && rate($0.problem) }?.value]
                #expect(percents.allSatisfy { abs(($0 ?? 0) - Self.violationPercent) < 0.5 }, "GPU 1 throttled for heat: \(percents)")
            }
            #expect(fleets == mine, "\(node): /edge/problems \(fleets.sorted { $0.description < $1.description }) vs its snapshot \(mine.sorted { $0.description < $1.description })")
            #expect(row.health == snapshot.health.status && row.problems == snapshot.health.problems.count, "\(node)'s fleet row")
        }
        // The faults the pages hold, through Prometheus.
        let server = Set(listed.items.filter { $0.node == Self.faultyServer }.map(\.code))
        #expect(server == [.gpuHot, .thermalThrottling, .powerBrake, .xidError, .eccUncorrectable, .rowRemapFailure, .memoryPressure, .diskFilling])
        #expect(listed.items.contains { $0.node == "fx-jetson-agx-orin-hot" && $0.code == .boardHot && $0.severity == .critical && $0.sensor == "gpu" })
        #expect(listed.items.contains { $0.node == "fx-nvidia-smi-faults" && $0.code == .gpuResetNeeded && $0.gpu == 1 })
        // Worst first; filters and pages; an unknown code is a 400.
        let order = listed.items.map { Severity.allCases.firstIndex(of: $0.severity)! }
        #expect(order == order.sorted(by: >))
        let xids = try #require(try await client.get("/edge/problems?code=xid_error&severity=critical", as: ProblemList.self).1)
        #expect(!xids.items.isEmpty && xids.items.allSatisfy { $0.code == .xidError })
        let page = try #require(try await client.get("/edge/problems?limit=2&page=2", as: ProblemList.self).1)
        #expect(page.items == Array(listed.items[2..<4]) && page.totalItems == listed.totalItems)
        let (status, _, error) = try await client.get("/edge/problems?code=on_fire", as: ProblemList.self)
        #expect(status == .badRequest && error?.error.code == "invalid_parameter")
        // The fleet filtered and sorted by health, and the summary's counts.
        let attention = try #require(try await client.get("/edge/nodes?health=warning,critical&sortBy=health", as: FleetList.self).1)
        #expect(Set(attention.items.map(\.node)) == Set(rows.values.filter { [.warning, .critical].contains($0.health) }.map(\.node)))
        #expect(attention.items.first?.health == .critical)
        let summary = try #require(try await client.get("/edge/summary", as: FleetSummary.self).1)
        let counts = Dictionary(grouping: rows.values, by: \.health).mapValues(\.count)
        #expect(summary.health == .init(ok: counts[.ok] ?? 0, info: counts[.info] ?? 0, warning: counts[.warning] ?? 0, critical: counts[.critical] ?? 0))
        // The same under KubeSphere's API group.
        let kubesphere = try #require(try await client.get("/kapis/gpu.edge.kubesphere.io/v1alpha1/problems", as: ProblemList.self).1)
        #expect(kubesphere.totalItems == listed.totalItems)
    }

    /// `ALERTS` (pending or firing) names exactly the (node, code, severity) of the problems the API reports at warning
    /// or critical: none for a healthy board, none for an info problem.
    func checkAlerts(_ client: any TestClientProtocol, _ prometheus: PrometheusProcess) async throws {
        let listed = try #require(try await client.get("/edge/problems?severity=warning,critical", as: ProblemList.self).1)
        let expected = Set(listed.items.filter { !$0.code.isStatus }.map { "\($0.node) \($0.code.rawValue) \($0.severity.rawValue)" })
        #expect(expected.count >= 10, "\(expected.sorted())")
        var alerting: Set<String> = []
        for _ in 0..<120 {
            alerting = Set(try await prometheus.query(#"ALERTS{alertstate=~"pending|firing"}"#).map { series in
                "\(series.labels["node"] ?? "?") \(series.labels["code"] ?? "?") \(series.labels["severity"] ?? "?")"
            })
            if alerting == expected { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(alerting == expected, "alerts \(alerting.subtracting(expected).sorted()) that the API does not report; problems \(expected.subtracting(alerting).sorted()) without an alert")
    }
}
