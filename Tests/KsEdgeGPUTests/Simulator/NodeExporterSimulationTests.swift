import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// The simulator's node-exporter pages: node-exporter's families and number format, each board's real hardware.
@Suite struct NodeExporterSimulationTests {
    @Test(arguments: [
        (8_117_817_344.0, "8.117817344e+09"), (123_456, "123456"), (1_234_567, "1.234567e+06"), (0.25, "0.25"),
        (1.5e-05, "1.5e-05"), (0.0001, "0.0001"), (0, "0"), (-2.5, "-2.5"), (1e21, "1e+21"), (41.062, "41.062"),
        (100_000, "100000"), (1_000_000, "1e+06"), (1.23456789e-7, "1.23456789e-07"),
    ])
    func valuesAreWrittenAsGoWritesThem(value: Double, text: String) {
        #expect(NodeExporterExposition.goFloat(value) == text)
        #expect(Double(text) == value)
    }

    func page(_ kind: SimulatedBoard.Kind, at time: Double, ordinal: Int = 3) throws -> MetricFamilies {
        let board = SimulatedBoard(node: "n", kind: kind, ordinal: ordinal)
        return MetricFamilies(try ExpositionParser.parse(NodeExporterExposition.render(board, at: time)))
    }

    @Test(arguments: [(SimulatedBoard.Kind.agxOrin, 12, "GPU-therm"), (.orinNano, 6, "gpu-thermal"), (.xavierNX, 6, "GPU-therm"),
                      (.a100, 32, nil), (.l40s, 16, nil)] as [(SimulatedBoard.Kind, Int, String?)])
    func everyCoreTheBoardHasAndItsOwnZoneNames(kind: SimulatedBoard.Kind, cores: Int, gpuZone: String?) throws {
        let families = try page(kind, at: 1_795_432_961)
        let listed = Set(families.samples("node_cpu_seconds_total").compactMap { $0.labels["cpu"] })
        #expect(listed == Set((0..<cores).map(String.init)))
        let zones = families.samples("node_thermal_zone_temp")
        #expect(zones.contains { $0.labels["type"] == gpuZone } == (gpuZone != nil))
        #expect(zones.allSatisfy { ($0.value ?? 0) > 20 && ($0.value ?? 0) < 90 })
        let total = try #require(families.value("node_memory_MemTotal_bytes", where: "__name__", is: "node_memory_MemTotal_bytes"))
        let available = try #require(families.value("node_memory_MemAvailable_bytes", where: "__name__", is: "node_memory_MemAvailable_bytes"))
        #expect(0 < available && available < total)
        #expect(families.value("node_filesystem_size_bytes", where: "mountpoint", is: "/") != nil)
        #expect(families.samples("node_network_receive_bytes_total").count == 2)
        #expect(families.has("node_load1"))
    }

    /// Counters never go back, at any step, so rate() reads them as a real node-exporter's.
    @Test(arguments: SimulatedBoard.Kind.allCases)
    func countersOnlyGrow(kind: SimulatedBoard.Kind) throws {
        var previous: [String: Double] = [:]
        for second in stride(from: 1_795_432_000.0, through: 1_795_432_900, by: 7) {
            let families = try page(kind, at: second)
            for name in ["node_cpu_seconds_total", "node_network_receive_bytes_total", "node_network_transmit_bytes_total"] {
                for sample in families.samples(name) {
                    let key = name + sample.labels.sorted { $0.key < $1.key }.description
                    let value = try #require(sample.value)
                    if let before = previous[key] { #expect(value >= before, "\(key) went from \(before) to \(value)") }
                    previous[key] = value
                }
            }
        }
        #expect(!previous.isEmpty)
    }

    /// A pushing board's node-exporter page is rendered at each push's time, so its counters advance between pushes
    /// by what the board did meanwhile: the rates read from two pushes are the board's own (busy 5-75 % per core,
    /// 0.5-3.5 MB/s received).
    @Test func pushedPagesAdvanceTheirCountersBetweenPushes() throws {
        let board = SimulatedBoard(node: "n", kind: .orinNano, ordinal: 2)
        let pusher = Pusher(gateway: try #require(URL(string: "http://127.0.0.1:1")), boards: [board.node], fleet: SimulatedFleet([board]), nodeExporter: true,
                            interval: .seconds(10), stopAfter: .seconds(60), logger: TestApp.logger)
        let host = try #require(pusher.groups(board).first { $0.job == "node-exporter" })
        let (first, second) = (1_795_432_000.0, 1_795_432_010.0)
        let before = MetricFamilies(try ExpositionParser.parse(host.render(first)))
        let after = MetricFamilies(try ExpositionParser.parse(host.render(second)))
        let idle = { (families: MetricFamilies) in families.samples("node_cpu_seconds_total").filter { $0.labels["mode"] == "idle" } }
        #expect(idle(before).count == 6)
        for (then, now) in zip(idle(before), idle(after)) {
            let busy = 1 - ((now.value ?? 0) - (then.value ?? 0)) / (second - first)
            #expect(busy > 0.04 && busy < 0.76, "core \(then.labels["cpu"] ?? "") busy \(busy)")
        }
        let received = { (families: MetricFamilies) in families.value("node_network_receive_bytes_total", where: "device", is: "enP8p1s0") ?? 0 }
        let rate = (received(after) - received(before)) / (second - first)
        #expect(rate > 0.5e6 && rate < 3.5e6, "received \(rate) B/s")
    }

    @Test func nodeExporterTargetsAreListedOnlyWhenAskedFor() async throws {
        for enabled in [false, true] {
            var configuration = SimulatorConfiguration()
            configuration.boards = 3
            configuration.port = 0
            configuration.nodeExporter = enabled
            let app = try SimulatorServer.build(configuration, logger: TestApp.logger)
            try await app.test(.router) { client in
                let groups = try await client.execute(uri: "/targets", method: .get) { response in
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]] ?? []
                }
                let jobs = groups.compactMap { ($0["labels"] as? [String: String])?["job"] }
                #expect(jobs.filter { $0 == "node-exporter" }.count == (enabled ? 3 : 0))
                try await client.execute(uri: "/nodes/edge-agx-orin-02/node-exporter/metrics", method: .get) { response in
                    #expect(response.status == (enabled ? .ok : .notFound))
                    if enabled { #expect(String(buffer: response.body).contains(#"node_cpu_seconds_total{cpu="11",mode="idle"}"#)) }
                }
            }
        }
    }
}

/// A real Prometheus scrapes the simulated node-exporter pages as it would node-exporter's.
@Suite(.enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveNodeExporterSimulationTests {
    @Test func prometheusReadsEveryBoardsCores() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        try await LiveServices.withSimulator(boards: 3, fixtures: [:], nodeExporter: true) { port in
            let prometheus = try PrometheusProcess(targetsPort: port, binary: binary)
            defer { prometheus.stop() }
            try await prometheus.waitForNodes(6)
            let cores = try await prometheus.query(#"count by (instance) (node_cpu_seconds_total{mode="idle"})"#)
            let byNode = Dictionary(uniqueKeysWithValues: cores.compactMap { series in series.labels["instance"].map { ($0, series.latest?.value) } })
            #expect(byNode == ["edge-xavier-nx-01": 6, "edge-agx-orin-02": 12, "edge-orin-nano-03": 6])
            let memory = try await prometheus.query("node_memory_MemTotal_bytes")
            #expect(memory.contains { $0.labels["instance"] == "edge-agx-orin-02" && $0.latest?.value == 64_336_789_504 })
        }
    }
}
