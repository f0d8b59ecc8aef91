import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

/// `GET /edge/nodes` through the router.
@Suite struct FleetRouteTests {
    let now = Date().timeIntervalSince1970

    func fleet(_ count: Int, at time: Double) throws -> [Series] {
        let files = Fixtures.jetsonFiles
        return try (0..<count).flatMap { index in
            try Fixtures.series(files[index % files.count], node: "edge-\(index)", timestamp: time)
        }
    }

    @Test func rowsCarryTheFleetColumnsWithUnits() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource(series: try fleet(3, at: now))
        let app = try await buildApplication(TestApp.configuration(database: directory.file("db.sqlite")), source: source, logger: TestApp.logger)
        try await app.test(.router) { client in
            let (status, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(status == .ok)
            let rows = Dictionary(uniqueKeysWithValues: try #require(list).items.map { ($0.node, $0) })
            #expect(list?.totalItems == 3)
            // jetson-agx-orin: no board input measured, so the GPU rail; orin-nano: its `total` rail; xavier-nx: nothing measured.
            #expect(rows["edge-0"]?.powerWatts == 12.207)
            #expect(rows["edge-1"]?.powerWatts == 7.79)
            #expect(rows["edge-2"]?.powerWatts == nil)
            #expect(rows["edge-0"]?.gpuUtilizationPercent == 76.3)
            #expect(rows["edge-2"]?.gpuTemperatureCelsius == 41.0)
            #expect(rows.values.allSatisfy { $0.status == .online && $0.exporter == .jetson })
        }
    }

    @Test func mixedFleetShowsEveryExporterWithItsOwnNodeLabel() async throws {
        let directory = try TemporaryDirectory()
        // dcgm-exporter series name their node by `Hostname` here, the others by `instance`.
        let dcgm = try Fixtures.series("dcgm-2x-a100.prom", node: "ignored", timestamp: now).map { entry in
            var labels = entry.labels
            labels["instance"] = "10.0.0.7:9400"
            return Series(labels: labels, points: entry.points)
        }
        let source = FakeMetricsSource(series: dcgm + (try Fixtures.series("nvidia-smi-exporter.prom", node: "gpu-l40s", timestamp: now))
            + (try Fixtures.series("jetson-orin-nano.prom", node: "edge-nano", timestamp: now)))
        var configuration = TestApp.configuration(database: directory.file("db.sqlite"))
        configuration.exporterNodeLabels[.dcgm] = LabelName("Hostname")
        let app = try await buildApplication(configuration, source: source, logger: TestApp.logger)
        try await app.test(.router) { client in
            let (_, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            let rows = Dictionary(uniqueKeysWithValues: try #require(list).items.map { ($0.node, $0) })
            #expect(Set(rows.keys) == ["ks-gpu-worker-01", "gpu-l40s", "edge-nano"])
            #expect(rows["ks-gpu-worker-01"]?.exporter == .dcgm)
            #expect(rows["ks-gpu-worker-01"]?.model == "NVIDIA A100 80GB PCIe")
            #expect(rows["ks-gpu-worker-01"]?.gpuUtilizationPercent == 43.5)
            #expect(rows["ks-gpu-worker-01"]?.gpuTemperatureCelsius == 61)
            #expect(rows["ks-gpu-worker-01"]?.powerWatts == 214.562 + 43.918)
            #expect(rows["gpu-l40s"]?.exporter == .nvidiaSMI)
            #expect(rows["gpu-l40s"]?.gpuUtilizationPercent == 9)
            #expect(rows["gpu-l40s"]?.powerWatts == 110.23)
            #expect(rows["edge-nano"]?.exporter == .jetson)
            #expect(rows.values.allSatisfy { $0.status == .online })

            let (status, node, _) = try await client.get("/edge/nodes/ks-gpu-worker-01/gpu", as: NodeGPU.self)
            #expect(status == .ok)
            #expect(node?.gpus.count == 2)
            #expect(node?.processes.first?.namespace == "ai-serving")
        }
    }

    @Test(arguments: [1, 30])
    func queriesPerRequestDoNotGrowWithTheFleet(size: Int) async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource(series: try fleet(size, at: now))
        let app = try await buildApplication(TestApp.configuration(database: directory.file("db.sqlite")), source: source, logger: TestApp.logger)
        try await app.test(.router) { client in
            // The inventory refresh runs beside the request; count only what the list sends.
            let inventory = GPUQueries(nodeLabel: .instance).inventory
            let before = source.queries.filter { $0 != inventory }.count
            let (_, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(list?.totalItems == size)
            #expect(source.queries.filter { $0 != inventory }.count - before == 1)
        }
    }

    @Test func knownNodesAreListedStaleWhenPrometheusIsDown() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource(series: try fleet(3, at: now))
        let app = try await buildApplication(TestApp.configuration(database: directory.file("db.sqlite")), source: source, logger: TestApp.logger)
        try await app.test(.router) { client in
            _ = try await client.get("/edge/nodes/edge-0/gpu", as: NodeGPU.self)
            _ = try await client.get("/edge/nodes/edge-1/gpu", as: NodeGPU.self)
            try await waitForBoards(3, in: directory.file("db.sqlite"))
            source.fail(with: .unreachable("refused"))
            let (status, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(status == .ok)
            // The start-up inventory refresh knows all three; only two have a stored snapshot.
            #expect(list?.items.map(\.node) == ["edge-0", "edge-1", "edge-2"])
            #expect(list?.items.allSatisfy { $0.status == .stale } == true)
            #expect(list?.items[0].gpuUtilizationPercent == 76.3)
            #expect(list?.items[2].gpuUtilizationPercent == nil)
            #expect(list?.items[2].model == "NVIDIA Jetson Xavier NX (Developer kit)")
        }
    }

    /// The start-up refresh runs beside the test: wait (bounded) until the SQLite file holds `count` boards.
    func waitForBoards(_ count: Int, in path: String) async throws {
        let inventory = try Inventory(path: path, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
        for _ in 0..<100 where try await inventory.boards().count < count {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await inventory.boards().count == count)
    }

    @Test func emptyInventoryAndPrometheusDownIs503() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        source.fail(with: .unreachable("refused"))
        let app = try await buildApplication(TestApp.configuration(database: directory.file("db.sqlite")), source: source, logger: TestApp.logger)
        try await app.test(.router) { client in
            let (status, _, error) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(status == .serviceUnavailable)
            #expect(error?.error.code == "prometheus_unavailable")
        }
    }
}
