import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

@Test func edgeProgramsAreInstalledInCI() {
    if LiveServices.inCI {
        #expect(LiveProgram.nodeExporter != nil, "CI needs the Debian package prometheus-node-exporter")
        #expect(LiveProgram.pushgateway != nil, "CI needs the Debian package prometheus-pushgateway")
    }
}

/// The two edge data paths with the real programs: this machine's node_exporter joined into a simulated Jetson's
/// snapshot, and the fixtures pushed to a real Pushgateway that Prometheus scrapes with `honor_labels`.
@Suite(.serialized, .enabled(if: LiveServices.canRun && LiveProgram.nodeExporter != nil && LiveProgram.pushgateway != nil,
                             "prometheus, prometheus-node-exporter or prometheus-pushgateway is not installed"))
struct LiveEdgePathsTests {
    /// The simulated Jetson that this machine's node_exporter is relabelled to, as a ServiceMonitor would.
    static let jetson = "edge-xavier-nx-01"
    static let pushed = "edge-pushed-01"

    struct Stack {
        let client: any TestClientProtocol
        let prometheus: PrometheusProcess
        let pushgateway: LiveProgram
    }

    func withStack(_ body: @Sendable (Stack) async throws -> Void) async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let nodeExporter = try await LiveProgram(try #require(LiveProgram.nodeExporter), readyPath: "/metrics") { port in
            ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
             "--collector.filesystem", "--collector.netdev", "--collector.loadavg", "--collector.thermal_zone"]
        }
        defer { nodeExporter.stop() }
        let pushgateway = try await LiveProgram.startPushgateway()
        defer { pushgateway.stop() }
        try await LiveServices.withSimulator(boards: 1, fixtures: [:]) { simulatorPort in
            let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: binary, extraScrapeConfigs: [
                PrometheusProcess.job("node-exporter", port: nodeExporter.port, instance: Self.jetson),
                PrometheusProcess.job("pushgateway", port: pushgateway.port, honorLabels: true),
            ].joined(separator: "\n"), recordingRules: true)
            defer { prometheus.stop() }
            try await prometheus.waitForNodes(3)
            let directory = try TemporaryDirectory()
            var configuration = try prometheus.serveConfiguration(in: directory, timeout: .seconds(2))
            configuration.refreshInterval = .seconds(1)
            configuration.pushInterval = .seconds(1)
            let app = try await buildApplication(configuration, logger: TestApp.logger)
            try await app.test(.live) { client in try await body(Stack(client: client, prometheus: prometheus, pushgateway: pushgateway)) }
        }
    }

    /// Polls `condition` on the node's snapshot every 250 ms for up to `seconds`; returns the last snapshot.
    func snapshot(_ client: any TestClientProtocol, _ node: String, within seconds: Int,
                  until condition: (NodeGPU) -> Bool) async throws -> NodeGPU? {
        var last: NodeGPU?
        for _ in 0..<(seconds * 4) {
            let (_, body, _) = try await client.get("/edge/nodes/\(node)/gpu", as: NodeGPU.self)
            last = body
            if let body, condition(body) { return body }
            try await Task.sleep(for: .milliseconds(250))
        }
        return last
    }

    func witness(_ prometheus: PrometheusProcess, _ query: String) async throws -> [Double] {
        try await prometheus.query(query).compactMap(\.latest?.value)
    }

    @Test func realNodeExporterJoinsTheJetsonsSnapshot() async throws {
        try await withStack { stack in
            let client = stack.client
            let cores = try await witness(stack.prometheus, #"count(node_cpu_seconds_total{mode="idle",instance="\#(Self.jetson)"})"#).first
            // Rates need two scrapes of node_exporter.
            let node = try #require(try await snapshot(client, Self.jetson, within: 20) { node in
                node.cpu.cores.count == Int(cores ?? -1) && node.cpu.cores.allSatisfy { $0.utilizationPercent != nil }
            })
            #expect(node.sources == [.jetson, .nodeExporter])
            // This machine's cores, not the Xavier NX collector's six; each a real percentage.
            #expect(node.cpu.cores.map(\.core) == Array(1...Int(try #require(cores))))
            #expect(node.cpu.cores.allSatisfy { ($0.utilizationPercent ?? -1) >= 0 && ($0.utilizationPercent ?? 101) <= 100 })
            let ram = try await witness(stack.prometheus, #"node_memory_MemTotal_bytes{instance="\#(Self.jetson)"}"#).first
            #expect(node.memory.totalBytes == ram && ram != nil)
            #expect(node.gpus.first?.memoryTotalBytes == ram)
            #expect(node.gpus.first?.memoryUsedBytes == nil)
            let root = try await witness(stack.prometheus, #"node_filesystem_size_bytes{instance="\#(Self.jetson)",mountpoint="/"}"#).first
            #expect(node.disk.totalBytes == root && root != nil)
            #expect(node.load1 != nil)
            #expect(node.network.receiveBytesPerSecond != nil && node.network.transmitBytesPerSecond != nil)

            // Once the fleet index has refreshed after node-exporter's first scrape.
            let list = try await client.fleet { $0.items.first { $0.node == Self.jetson }?.memoryUtilizationPercent != nil }
            let row = list?.items.first { $0.node == Self.jetson }
            #expect(row.flatMap(\.memoryUtilizationPercent).map { $0 > 0 && $0 < 100 } == true)

            // The history's steps end on a whole second: poll until it holds two samples of the counters.
            var series: [HistorySeries] = []
            for _ in 0..<60 where !series.contains(where: { $0.metric == .network }) {
                let end = Int(Date().timeIntervalSince1970)
                let (status, history, error) = try await client.get(
                    "/edge/nodes/\(Self.jetson)/gpu/history?metrics=memory_utilization,network&start=\(end - 30)&end=\(end)&step=1s", as: History.self)
                #expect(status == .ok, "\(error?.error.message ?? "")")
                series = history?.series ?? []
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(series.filter { $0.metric == .memoryUtilization }.count == 1)
            #expect(series.first { $0.metric == .memoryUtilization }?.points.compactMap(\.value).allSatisfy { $0 > 0 && $0 < 100 } == true)
            #expect(Set(series.filter { $0.metric == .network }.compactMap { $0.labels["direction"] }) == ["receive", "transmit"])
            #expect(series.filter { $0.metric == .network }.allSatisfy { $0.unit == "bytes_per_second" && $0.points.compactMap(\.value).allSatisfy { $0 >= 0 } })
        }
    }

    @Test func pushedNodeIsOnlineThenStaleThenOfflineWhenItsGroupIsDeleted() async throws {
        try await withStack { stack in
            let client = stack.client
            let group = "\(stack.pushgateway.url)/metrics/job/jetson-exporter/instance/\(Self.pushed)"
            let fixture = Fixtures.path("jetson-agx-orin.prom")
            let first = try curl(["-f", "--data-binary", "@\(fixture)", group])
            #expect(first.status == 0, "\(first.output)")
            // The board pushes every half second until it is seen online, as a push loop on the board would.
            let pushing = Task {
                while !Task.isCancelled {
                    _ = try? curl(["-f", "--data-binary", "@\(fixture)", group])
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            // Found under the node's label exactly like a scraped node, as fresh as its push.
            let fresh = try await snapshot(client, Self.pushed, within: 15) { $0.status == .online }
            pushing.cancel()
            await pushing.value
            let online = try #require(fresh)
            #expect(online.status == .online)
            #expect(online.board.model == "NVIDIA Jetson AGX Orin (64GB ram)")
            // Once Prometheus has scraped the last push, its time is what the node was last seen at. (VictoriaMetrics on a
            // loaded machine makes a scrape searchable a second or more after it: waited for generously.)
            try await Task.sleep(for: .seconds(3))
            let pushedAt = try await witness(stack.prometheus, #"push_time_seconds{instance="\#(Self.pushed)"}"#).first
            #expect(online.observedAt.map { $0.timeIntervalSince1970 <= (pushedAt ?? 0) + 0.001 } == true)

            // No more pushes: the Pushgateway keeps serving the last one, Prometheus keeps its series current,
            // and the node turns stale once its push is 3 push intervals old.
            let stale = try #require(try await snapshot(client, Self.pushed, within: 15) { $0.status == .stale })
            #expect(stale.status == .stale)
            #expect(stale.gpus == online.gpus)
            // The inventory (refreshed every second here) last saw it at its last push, not at the Pushgateway's scrapes.
            try await Task.sleep(for: .seconds(2))
            let (_, kept, _) = try await client.get("/edge/nodes/\(Self.pushed)/gpu", as: NodeGPU.self)
            #expect(kept?.board.lastSeen.map { abs($0.timeIntervalSince1970 - (pushedAt ?? 0)) < 0.001 } == true, "\(String(describing: kept?.board.lastSeen))")
            // Its history holds values while it pushed, and gaps from 3 push intervals after its last push on, although
            // Prometheus still has its last values.
            let end = Int(Date().timeIntervalSince1970)
            let (_, history, _) = try await client.get(
                "/edge/nodes/\(Self.pushed)/gpu/history?metrics=gpu_utilization&start=\(end - 20)&end=\(end)&step=1s", as: History.self)
            let points = try #require(history?.series.first?.points)
            #expect(points.contains { $0.value != nil })
            #expect(points.filter { $0.timestamp > (pushedAt ?? 0) + 3 }.allSatisfy { $0.value == nil })
            #expect(points.last?.value == nil)
            #expect(try await witness(stack.prometheus, #"gpu_usage_gpu{instance="\#(Self.pushed)"}"#).count == 1)
            // The fleet index reads the recorded series by now: the pushed node's one series for its time, model and
            // whether it pushes says it is stale as of its last push.
            let list = try await client.fleet { $0.items.first { $0.node == Self.pushed }?.status == .stale }
            #expect(try await client.readiness().fleetIndex?.recordingRules == true)
            let row = list?.items.first { $0.node == Self.pushed }
            #expect(row?.status == .stale)
            #expect(row?.model == "NVIDIA Jetson AGX Orin (64GB ram)")
            #expect(row?.lastSeen.map { abs($0.timeIntervalSince1970 - (pushedAt ?? 0)) < 0.001 } == true, "\(String(describing: row?.lastSeen))")

            // The group deleted: its series go stale in Prometheus, and the node the inventory knows is offline.
            let delete = try curl(["-f", "-X", "DELETE", group])
            #expect(delete.status == 0, "\(delete.output)")
            let gone = try await snapshot(client, Self.pushed, within: 15) { $0.status == .offline }
            #expect(gone?.status == .offline)
            #expect(gone?.board.model == "NVIDIA Jetson AGX Orin (64GB ram)")
        }
    }
}
