import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
@testable import KsEdgeGPU

/// Rates of counters that reach Prometheus through a real Pushgateway, beside the same counters scraped. The
/// Pushgateway repeats each push at every scrape (here every second, the pushes every 4 s), so a pushed counter is a
/// staircase; every view must still read the true rate: each core's known busy share and the known bytes per second.
@Suite(.serialized, .enabled(if: LiveServices.canRun && LiveProgram.pushgateway != nil,
                             "prometheus (or victoria-metrics) or prometheus-pushgateway is not installed"))
struct LivePushedRatesTests {
    /// A simulated Jetson whose node-exporter page is `SteadyHost`'s, scraped.
    static let scraped = "edge-xavier-nx-01"
    /// A node that pushes an AGX Orin's collector page and `SteadyHost`'s page.
    static let pushed = "edge-pushed-02"
    static let pushInterval = 4.0
    /// Percentage points a core may read off its busy share, and the share of the truth network rates may be off by:
    /// a push is dated when the Pushgateway receives it, a few milliseconds after its counters were taken.
    static let coreTolerance = 3.0
    static let networkTolerance = 0.05

    /// What the test pusher has done: its pushes' times, and whether it stopped.
    final class PushLog: Sendable {
        let times = Mutex<[Double]>([])
        var last: Double? { times.withLock { $0.last } }
        var count: Int { times.withLock { $0.count } }
    }

    /// Pushes both pages of `pushed` every push interval, on a fixed schedule, as a push loop on a board would; the
    /// host reboots (its counters reset) just after push `rebootAfter`, so the next push carries counters restarted
    /// from the previous push's time: the truth across the reset stays the same rate.
    static func pushLoop(gateway: String, host: SteadyHost, rebootAfter: Int, log: PushLog) async {
        let fixture = (try? String(contentsOfFile: Fixtures.path("jetson-agx-orin.prom"), encoding: .utf8)) ?? ""
        var host = host
        let start = ContinuousClock.now
        var index = 0
        while !Task.isCancelled {
            if index == rebootAfter + 1, let previous = log.last { host.boot = previous }
            await push(fixture, to: "\(gateway)/metrics/job/jetson-exporter/instance/\(pushed)")
            let taken = Date().timeIntervalSince1970
            await push(host.page(at: taken), to: "\(gateway)/metrics/job/node-exporter/instance/\(pushed)")
            log.times.withLock { $0.append(taken) }
            index += 1
            try? await Task.sleep(until: start + .seconds(pushInterval * Double(index)), clock: .continuous)
        }
    }

    static func push(_ page: String, to url: String) async {
        var request = HTTPClientRequest(url: url)
        request.method = .PUT
        request.body = .bytes(ByteBuffer(string: page))
        let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5))
        _ = try? await response?.body.collect(upTo: 1 << 16)
        #expect(response.map { $0.status.code < 300 } == true, "the Pushgateway refused a push")
    }

    /// Each core is there, numbered from 1, reading its busy share (or unknown where `unknownAllowed`); the network
    /// reads the physical interface's rates, loopback left out.
    func expectTrue(_ node: NodeGPU, _ truth: SteadyHost, unknownAllowed: Bool, _ when: String) {
        #expect(node.cpu.cores.map(\.core) == [1, 2, 3, 4], "\(node.node) \(when): cores \(node.cpu.cores.map(\.core))")
        for core in node.cpu.cores {
            let expected = truth.corePercents[core.core] ?? -100
            if let value = core.utilizationPercent {
                #expect(abs(value - expected) <= Self.coreTolerance, "\(node.node) \(when): core \(core.core) at \(value) %, truly \(expected) %")
            } else {
                #expect(unknownAllowed, "\(node.node) \(when): core \(core.core) unknown")
            }
        }
        for (read, expected, name) in [(node.network.receiveBytesPerSecond, truth.receivedPerSecond, "receive"),
                                       (node.network.transmitBytesPerSecond, truth.transmittedPerSecond, "transmit")] {
            if let read {
                #expect(abs(read - expected) <= Self.networkTolerance * expected, "\(node.node) \(when): \(name) \(read) B/s, truly \(expected)")
            } else {
                #expect(unknownAllowed, "\(node.node) \(when): \(name) unknown")
            }
        }
    }

    /// Every point of the node's CPU and network history that has a value reads the truth; the cores are the four of
    /// node-exporter's counters (not the collector's six or eight); steps from `knownFrom` to `knownUntil` have values.
    func expectTrueHistory(_ client: any TestClientProtocol, _ node: String, _ truth: SteadyHost, knownFrom: Double, knownUntil: Double,
                           unknownAfter: Double? = nil) async throws {
        let end = Int(Date().timeIntervalSince1970)
        let (status, history, error) = try await client.get(
            "/edge/nodes/\(node)/gpu/history?metrics=cpu_utilization,network&start=\(end - 30)&end=\(end)&step=1s", as: History.self)
        #expect(status == .ok, "\(error?.error.message ?? "")")
        let series = try #require(history?.series)
        let cores = series.filter { $0.metric == .cpuUtilization }
        #expect(cores.map { $0.labels["core"] ?? "" } == ["1", "2", "3", "4"], "\(node): history cores \(cores.map(\.labels))")
        var expected = cores.map { ($0, truth.corePercents[Int($0.labels["core"] ?? "") ?? 0] ?? -100, Self.coreTolerance) }
        for direction in ["receive", "transmit"] {
            let rate = direction == "receive" ? truth.receivedPerSecond : truth.transmittedPerSecond
            let found = series.filter { $0.metric == .network && $0.labels["direction"] == direction }
            #expect(found.count == 1, "\(node): no \(direction) history")
            expected += found.map { ($0, rate, Self.networkTolerance * rate) }
        }
        for (line, truth, tolerance) in expected {
            for point in line.points {
                if let value = point.value {
                    #expect(abs(value - truth) <= tolerance, "\(node) history \(line.metric.rawValue) \(line.labels) at \(point.timestamp): \(value), truly \(truth)")
                    if let unknownAfter { #expect(point.timestamp <= unknownAfter, "\(node): a rate at \(point.timestamp), after its pushes ended") }
                } else if point.timestamp >= knownFrom, point.timestamp <= knownUntil {
                    Issue.record("\(node) history \(line.metric.rawValue) \(line.labels): a gap at \(point.timestamp)")
                }
            }
        }
    }

    /// The console's per-core chart, instant and over a range, reads the same cores and the same truth.
    func expectTrueEnvelope(_ client: any TestClientProtocol, _ node: String, _ truth: SteadyHost) async throws {
        let end = Int(Date().timeIntervalSince1970) - 1
        for query in ["", "&start=\(end - 5)&end=\(end)&step=1s"] {
            let path = "/kapis/gpu.edge.kubesphere.io/v1alpha1/nodes/\(node)/metrics?metrics_filter=node_cpu_core_utilization\(query)"
            let (status, answer, _) = try await client.get(path, as: MonitoringResults.self)
            #expect(status == .ok)
            let result = try #require(answer?.results.first?.data.result)
            #expect(result.map { $0.metric["core"] ?? "" } == ["1", "2", "3", "4"], "\(path): \(result.map(\.metric))")
            for series in result {
                let expected = (truth.corePercents[Int(series.metric["core"] ?? "") ?? 0] ?? -100) / 100
                let points = (series.value.map { [$0] } ?? []) + (series.values ?? [])
                #expect(!points.isEmpty)
                for point in points {
                    #expect(abs(point.value - expected) <= Self.coreTolerance / 100, "\(path): core \(series.metric["core"] ?? "") at \(point.value)")
                }
            }
        }
    }

    @Test func pushedAndScrapedCountersReadTheirTrueRatesInEveryView() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let truth = SteadyHost(boot: Date().timeIntervalSince1970 - 1_000)
        // The scraped node's node-exporter: its samples dated when their values were taken.
        let router = Router()
        router.get("metrics") { _, _ -> String in truth.page(at: Date().timeIntervalSince1970, timestamped: true) }
        let exporter = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestApp.logger)
        try await exporter.test(.live) { exporterClient in
            let exporterPort = try #require(exporterClient.port)
            let pushgateway = try await LiveProgram.startPushgateway()
            defer { pushgateway.stop() }
            try await LiveServices.withSimulator(boards: 1, fixtures: [:]) { simulatorPort in
                let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: binary, extraScrapeConfigs: [
                    PrometheusProcess.job("node-exporter", port: exporterPort, instance: Self.scraped, honorTimestamps: true),
                    PrometheusProcess.job("pushgateway", port: pushgateway.port, honorLabels: true),
                ].joined(separator: "\n"))
                defer { prometheus.stop() }
                try await prometheus.waitForNodes(3)
                let directory = try TemporaryDirectory()
                var configuration = try prometheus.serveConfiguration(in: directory, timeout: .seconds(5))
                configuration.pushInterval = .seconds(Self.pushInterval)
                let app = try await buildApplication(configuration, logger: TestApp.logger)
                try await app.test(.live) { client in
                    try await readTruth(client, gateway: pushgateway.url, truth: truth)
                }
            }
        }
    }

    func readTruth(_ client: any TestClientProtocol, gateway: String, truth: SteadyHost) async throws {
        let log = PushLog()
        let pusher = Task { await Self.pushLoop(gateway: gateway, host: truth, rebootAfter: 3, log: log) }
        defer { pusher.cancel() }
        func snapshot(_ node: String) async throws -> NodeGPU {
            let (status, body, error) = try await client.get("/edge/nodes/\(node)/gpu", as: NodeGPU.self)
            #expect(status == .ok, "\(error?.error.message ?? "")")
            return try #require(body)
        }

        // Known once Prometheus holds two pushes (before the first, the node is not found).
        var ready = false
        for _ in 0..<80 where !ready {
            let node = try await client.get("/edge/nodes/\(Self.pushed)/gpu", as: NodeGPU.self).1
            ready = node.map { node in
                node.cpu.cores.count == 4 && node.cpu.cores.allSatisfy { $0.utilizationPercent != nil } && node.network.receiveBytesPerSecond != nil
            } ?? false
            if !ready { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(ready, "the pushed node's rates never became known")
        let firstKnown = Date().timeIntervalSince1970

        // While it pushes, through the reset after the fourth push: every read of either node is the truth.
        while log.count < 7 {
            for node in [Self.pushed, Self.scraped] {
                let read = try await snapshot(node)
                #expect(read.status == .online)
                expectTrue(read, truth, unknownAllowed: false, "read at push \(log.count)")
            }
            try await Task.sleep(for: .milliseconds(600))
        }
        for node in [Self.pushed, Self.scraped] {
            try await expectTrueHistory(client, node, truth, knownFrom: firstKnown, knownUntil: Date().timeIntervalSince1970 - 1)
            try await expectTrueEnvelope(client, node, truth)
        }

        // The pushes stop: the Pushgateway keeps serving the last one. Until the node is stale (3 push intervals),
        // each read is its last true rate or unknown, never a CPU at 0 or 100 % or a link at 0 B/s; then unknown.
        pusher.cancel()
        await pusher.value
        let lastPush = try #require(log.last)
        var stale: NodeGPU?
        for _ in 0..<60 where stale == nil {
            let read = try await snapshot(Self.pushed)
            expectTrue(read, truth, unknownAllowed: true, "read \(Int(Date().timeIntervalSince1970 - lastPush)) s after its last push")
            if read.status == .stale { stale = read }
            expectTrue(try await snapshot(Self.scraped), truth, unknownAllowed: false, "scraped, after the other's pushes stopped")
            try await Task.sleep(for: .milliseconds(500))
        }
        let gone = try #require(stale, "the pushed node never turned stale")
        #expect(gone.cpu.cores.allSatisfy { $0.utilizationPercent == nil } && gone.cpu.averagePercent == nil)
        #expect(gone.network.receiveBytesPerSecond == nil && gone.network.transmitBytesPerSecond == nil)
        // Its history: true rates while it pushed, gaps once the window holds a single push.
        let window = 2 * Self.pushInterval + 1
        try await expectTrueHistory(client, Self.pushed, truth, knownFrom: firstKnown, knownUntil: lastPush,
                                    unknownAfter: lastPush + window + 2)
    }
}
