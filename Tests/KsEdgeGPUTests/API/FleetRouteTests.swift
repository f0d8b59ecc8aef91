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

    @Test(arguments: [1, 30])
    func queriesPerRequestDoNotGrowWithTheFleet(size: Int) async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource(series: try fleet(size, at: now))
        let app = try await buildApplication(TestApp.configuration(database: directory.file("db.sqlite")), source: source, logger: TestApp.logger)
        try await app.test(.router) { client in
            // The inventory refresh runs beside the request; count only what the list sends.
            let inventory = GPUQueries(nodeLabel: .instance, scrapeInterval: .seconds(60)).inventory
            let before = source.queries.filter { $0 != inventory }.count
            let (_, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(list?.totalItems == size)
            #expect(source.queries.filter { $0 != inventory }.count - before == 2)
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
