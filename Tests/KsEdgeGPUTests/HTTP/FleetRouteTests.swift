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
            try Fixtures.series(try Fixtures.pick(files, index), node: "edge-\(index)", timestamp: time)
        }
    }

    @Test func rowsComeFromTheTaggedPerNodeAnswer() async throws {
        let source = FakeMetricsSource()
        FleetAnswers.install([
            .init(node: "edge-a", utilization: 76.3, temperature: 54.281, power: 12.207, model: "NVIDIA Jetson AGX Orin (64GB ram)"),
            .init(node: "edge-b", utilization: 47.8, temperature: 41, power: nil, model: ""),
            .init(node: "gpu-c", exporter: .dcgm, utilization: 43.5, temperature: 61, power: 258.48, model: "NVIDIA A100 80GB PCIe",
                  seen: now - 600),
        ], into: source, at: now)
        try await TestApp.withRouter(source) { client, database in
            let (status, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(status == .ok)
            let rows = Dictionary(uniqueKeysWithValues: try #require(list).items.map { ($0.node, $0) })
            #expect(list?.totalItems == 3)
            #expect(rows["edge-a"]?.powerWatts == 12.207)
            #expect(rows["edge-a"]?.model == "NVIDIA Jetson AGX Orin (64GB ram)")
            #expect(rows["edge-b"]?.powerWatts == nil)
            #expect(rows["edge-b"]?.model == nil)
            #expect(rows["edge-a"]?.status == .online)
            #expect(rows["gpu-c"]?.exporter == .dcgm)
            // Its newest sample is 10 minutes old with a 1m scrape interval.
            #expect(rows["gpu-c"]?.status == .stale)
            #expect(rows["gpu-c"]?.lastSeen.map { abs($0.timeIntervalSince1970 - (now - 600)) < 0.001 } == true)
        }
    }

    /// node-exporter's RAM joins the rows a GPU exporter lists (never a row of its own), sorts like any column, and
    /// is null where unknown.
    @Test func memoryUtilizationComesFromNodeExporter() async throws {
        let source = FakeMetricsSource()
        FleetAnswers.install([
            .init(node: "edge-a", utilization: 10), .init(node: "edge-b", utilization: 20), .init(node: "edge-c", utilization: 30),
        ], into: source, at: now)
        // cpu-only runs node-exporter and no GPU exporter: not a GPU node.
        source.answer(GPUQueries().fleet.promQL.last!, with: [("edge-a", 71.5), ("edge-b", 12.25), ("cpu-only", 50)].map { node, percent in
            Series(labels: ["instance": node, "ks_family": FleetQuery.hostMemory], points: [.init(timestamp: now, value: percent)])
        })
        try await TestApp.withRouter(source) { client, _ in
            let (_, list, _) = try await client.get("/edge/nodes?sortBy=memoryUtilizationPercent", as: FleetList.self)
            #expect(list?.items.map(\.node) == ["edge-a", "edge-b", "edge-c"])
            #expect(list?.items.map(\.memoryUtilizationPercent) == [71.5, 12.25, nil])
            let (_, ascending, _) = try await client.get("/edge/nodes?sortBy=memoryUtilizationPercent&ascending=true", as: FleetList.self)
            #expect(ascending?.items.map(\.node) == ["edge-b", "edge-a", "edge-c"])
        }
    }

    /// A node behind a Pushgateway is as fresh as its last push, not as the Pushgateway's scrape (which is always new).
    @Test func pushedNodesAreAsFreshAsTheirLastPush() async throws {
        let source = FakeMetricsSource()
        FleetAnswers.install([
            .init(node: "edge-pushing", utilization: 10, pushed: now - 100),
            .init(node: "edge-stopped", utilization: 20, pushed: now - 200),
            .init(node: "edge-scraped", utilization: 30),
        ], into: source, at: now)
        try await TestApp.withRouter(source, configure: { $0.pushInterval = .seconds(60) },
                                     now: { [now] in Date(timeIntervalSince1970: now) }) { client, _ in
            let (_, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            let rows = Dictionary(uniqueKeysWithValues: try #require(list).items.map { ($0.node, $0) })
            #expect(rows["edge-pushing"]?.status == .online)
            #expect(rows["edge-stopped"]?.status == .stale)
            #expect(rows["edge-scraped"]?.status == .online)
            #expect(rows["edge-stopped"]?.lastSeen.map { abs($0.timeIntervalSince1970 - (now - 200)) < 0.001 } == true)
        }
    }

    /// The summary comes from the same index as the list: one refresh's queries serve both.
    @Test func summaryAndListShareTheIndex() async throws {
        let source = FakeMetricsSource()
        FleetAnswers.install([
            .init(node: "edge-a", utilization: 20, temperature: 60, power: 10),
            .init(node: "edge-b", utilization: 40, temperature: 75),
            .init(node: "gpu-c", exporter: .dcgm, utilization: 100, temperature: 90, power: 500, seen: now - 600),
        ], into: source, at: now)
        try await TestApp.withRouter(source) { client, _ in
            let (status, summary, _) = try await client.get("/edge/summary", as: FleetSummary.self)
            #expect(status == .ok)
            #expect(summary?.nodes == .init(total: 3, online: 2, stale: 1, offline: 0))
            #expect(summary?.meanGPUUtilizationPercent == 30)
            #expect(summary?.hottestGPU == .init(node: "edge-b", celsius: 75))
            #expect(summary?.totalPowerWatts == 10)
            let (_, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(list?.totalItems == 3)
            #expect(source.queries.filter(Self.fleetQueries.contains).count == Self.fleetQueries.count)
        }
    }

    static let fleetQueries = Set(GPUQueries().fleet.promQL)

    /// Nodes the inventory knows and Prometheus has no samples of are listed offline. (The inventory and the index
    /// refresh side by side at start; the index is refreshed often here so a later one sees every board.)
    @Test func inventoryNodesWithoutSamplesAreOffline() async throws {
        let source = FakeMetricsSource(series: try fleet(2, at: now))
        FleetAnswers.install([.init(node: "edge-0", utilization: 5)], into: source, at: now)
        try await TestApp.withRouter(source, configure: { $0.fleetInterval = .milliseconds(100) }) { client, database in
            try await waitForBoards(2, in: database)
            let list = try await client.fleet { $0.totalItems == 2 }
            #expect(list?.items.map(\.node) == ["edge-0", "edge-1"])
            #expect(list?.items.map(\.status) == [.online, .offline])
            #expect(list?.items[1].model == "NVIDIA Jetson Orin Nano (Developer kit)")
        }
    }

    /// Fleet requests, whatever their view, ask Prometheus nothing: the index's one refresh did, with the same
    /// queries for 1 node as for 30.
    @Test(arguments: [1, 30])
    func requestsAskPrometheusNothing(size: Int) async throws {
        let source = FakeMetricsSource(series: try fleet(size, at: now))
        FleetAnswers.install((0..<size).map { .init(node: "edge-\($0)", utilization: Double($0)) }, into: source, at: now)
        try await TestApp.withRouter(source) { client, database in
            let views = ["/edge/nodes", "/edge/nodes?sortBy=gpuUtilizationPercent&page=2&limit=5", "/edge/nodes?q=edge-1&status=online",
                         "/edge/summary", "/edge/nodes?sortBy=node&page=1&limit=20",
                         "/edge/nodes?sortBy=powerWatts&page=9223372036854775807&limit=10000"]
            for uri in views {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .ok, "\(uri)") }
            }
            let (_, list, _) = try await client.get("/edge/nodes?sortBy=gpuUtilizationPercent&limit=1&page=1", as: FleetList.self)
            #expect(list?.totalItems == size)
            #expect(list?.items.first?.node == "edge-\(size - 1)")
            #expect(source.queries.filter(Self.fleetQueries.contains).count == Self.fleetQueries.count)
        }
    }

    /// Prometheus stops answering: the next refresh keeps the rows it had, none of them online any more, with their age.
    @Test func aFailedRefreshKeepsTheRowsAsStale() async throws {
        let source = FakeMetricsSource()
        FleetAnswers.install([.init(node: "edge-a", utilization: 76.3), .init(node: "edge-b", utilization: 12)], into: source, at: now)
        try await TestApp.withRouter(source, configure: { $0.fleetInterval = .milliseconds(100) }) { client, _ in
            let (_, online, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(online?.items.map(\.status) == [.online, .online])
            source.fail(with: .unreachable("refused"))
            let stale = try await client.fleet { $0.items.allSatisfy { $0.status == .stale } }
            #expect(stale?.items.map(\.gpuUtilizationPercent) == [76.3, 12])
            try await client.execute(uri: "/edge/nodes", method: .get) { response in
                #expect(response.headers[.dataAge].flatMap { Int($0) }.map { $0 >= 0 } == true)
            }
            let ready = try await client.readiness()
            #expect(ready.fleetIndex?.origin == .kept)
        }
    }

    /// Prometheus down since start: the nodes the inventory knows, with their stored snapshots' values, all stale.
    @Test func knownNodesAreListedStaleWhenPrometheusIsDown() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.file("kept.sqlite")
        let source = FakeMetricsSource(series: try fleet(3, at: now))
        try await TestApp.withRouter(source, database: database) { client, database in
            _ = try await client.get("/edge/nodes/edge-0/gpu", as: NodeGPU.self)
            _ = try await client.get("/edge/nodes/edge-1/gpu", as: NodeGPU.self)
            try await waitForBoards(3, in: database)
        }
        source.fail(with: .unreachable("refused"))
        try await TestApp.withRouter(source, database: database) { client, _ in
            let (status, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(status == .ok)
            // The inventory knows all three; only two have a stored snapshot.
            #expect(list?.items.map(\.node) == ["edge-0", "edge-1", "edge-2"])
            #expect(list?.items.allSatisfy { $0.status == .stale } == true)
            #expect(list?.items[0].gpuUtilizationPercent == 76.3)
            #expect(list?.items[2].gpuUtilizationPercent == nil)
            #expect(list?.items[2].model == "NVIDIA Jetson Xavier NX (Developer kit)")
            let ready = try await client.readiness()
            #expect(ready.fleetIndex?.origin == .storage && ready.fleetIndex?.ageSeconds == nil)
        }
    }

    /// The start-up refresh runs beside the test: wait (bounded) until the SQLite file holds `count` boards
    /// (each poll opens the file afresh, so it reads what is stored, not another instance's memory).
    func waitForBoards(_ count: Int, in path: String) async throws {
        func stored() async throws -> Int {
            try await Inventory(path: path, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger).boards().count
        }
        for _ in 0..<100 where try await stored() < count {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await stored() == count)
    }

    @Test func emptyInventoryAndPrometheusDownIs503() async throws {
        let source = FakeMetricsSource()
        source.fail(with: .unreachable("refused"))
        try await TestApp.withRouter(source) { client, database in
            let (status, _, error) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(status == .serviceUnavailable)
            #expect(error?.error.code == "prometheus_unavailable")
        }
    }
}
