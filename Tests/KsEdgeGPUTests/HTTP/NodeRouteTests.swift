import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

/// `GET /edge/nodes/{name}/gpu` through the router, with an in-memory Prometheus and a real SQLite file.
@Suite struct NodeRouteTests {
    let now = Date().timeIntervalSince1970

    func fixtureFleet(at time: Double) throws -> [Series] {
        try Fixtures.series("jetson-xavier-nx.prom", node: "edge-nx-01", timestamp: time)
            + Fixtures.series("jetson-agx-orin.prom", node: "edge-agx-02", timestamp: time)
            + Fixtures.series("jetson-orin-nano.prom", node: "edge-nano-03", timestamp: time)
    }

    @Test func snapshotHasTheNormalisedValuesAndCostsOneQuery() async throws {
        let source = FakeMetricsSource(series: try fixtureFleet(at: now))
        try await TestApp.withRouter(source) { client, database in
            let (status, body, _) = try await client.get("/edge/nodes/edge-agx-02/gpu", as: NodeGPU.self)
            #expect(status == .ok)
            let node = try #require(body)
            let expected = try #require(Normalizer.normalize(node: "edge-agx-02", series: Fixtures.series("jetson-agx-orin.prom", node: "edge-agx-02", timestamp: now)))
            #expect(node.status == .online)
            #expect(node.gpus == expected.gpus)
            #expect(node.temperatures == expected.temperatures)
            #expect(node.power == expected.power)
            #expect(node.processes == expected.processes)
            #expect(node.board.model == expected.board.model)
            #expect(node.board.firstSeen != nil)
            #expect(source.queries.filter { $0.text.contains("edge-agx-02") }.count == 1)
        }
    }

    /// node-exporter's series of the node join the snapshot in the same single query.
    @Test func nodeExporterJoinsTheSnapshotInTheSameQuery() async throws {
        let host = try ExpositionParser.parse(String(contentsOfFile: Fixtures.nodeExporterPage, encoding: .utf8), timestamp: now).map { series in
            Series(labels: series.labels.merging(["instance": "edge-agx-02", "job": "node-exporter"]) { a, _ in a }, points: series.points)
        }
        let source = FakeMetricsSource(series: try fixtureFleet(at: now) + host)
        try await TestApp.withRouter(source) { client, _ in
            let (_, body, _) = try await client.get("/edge/nodes/edge-agx-02/gpu", as: NodeGPU.self)
            let node = try #require(body)
            let ram = host.first { $0.name == "node_memory_MemTotal_bytes" }?.latest?.value
            #expect(node.sources == [.jetson, .nodeExporter])
            #expect(node.memory.totalBytes == ram && ram != nil)
            #expect(node.gpus.first?.memoryTotalBytes == ram)
            #expect(node.disk.totalBytes != nil && node.load1 != nil)
            #expect(source.queries.filter { $0.text.contains("edge-agx-02") }.count == 1)

            let (_, other, _) = try await client.get("/edge/nodes/edge-nx-01/gpu", as: NodeGPU.self)
            #expect(other?.sources == [.jetson])
            #expect(other?.memory == .unknown)
        }
    }

    /// A node behind a Pushgateway: its series look current for ever, so its freshness is its last push.
    @Test func pushedNodeIsStaleThreePushIntervalsAfterItsLastPush() async throws {
        let push = { @Sendable (time: Double) in
            Series(labels: ["__name__": "push_time_seconds", "instance": "edge-agx-02", "job": "jetson-exporter"],
                   points: [.init(timestamp: self.now, value: time)])
        }
        let source = FakeMetricsSource(series: try fixtureFleet(at: now) + [push(now - 20)])
        // The clock stands still at `now`, so how long the test waits to run cannot age the push.
        try await TestApp.withRouter(source, configure: { $0.pushInterval = .seconds(10) },
                                     now: { [now] in Date(timeIntervalSince1970: now) }) { client, database in
            let (_, fresh, _) = try await client.get("/edge/nodes/edge-agx-02/gpu", as: NodeGPU.self)
            #expect(fresh?.status == .online)
            #expect(fresh.flatMap(\.observedAt).map { abs($0.timeIntervalSince1970 - (now - 20)) < 0.001 } == true)

            source.replace(try fixtureFleet(at: now) + [push(now - 31)])
            let (_, stale, _) = try await client.get("/edge/nodes/edge-agx-02/gpu", as: NodeGPU.self)
            #expect(stale?.status == .stale)
            #expect(stale?.gpus == fresh?.gpus)
        }
    }

    /// A node the fleet index read as scraped asks Prometheus for a scrape's window of samples (4 scrape intervals);
    /// one behind a Pushgateway, or one the index does not know, for the window that holds two pushes.
    @Test func aScrapedNodeAsksForAScrapesWindow() async throws {
        let source = FakeMetricsSource()
        FleetAnswers.install([.init(node: "edge-scraped", utilization: 1, seen: now), .init(node: "edge-pushed", utilization: 1, seen: now, pushed: now)],
                             into: source, at: now)
        try await TestApp.withRouter(source, configure: { $0.pushInterval = .seconds(300) },
                                     now: { [now] in Date(timeIntervalSince1970: now) }) { client, _ in
            let (status, fleet, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(status == .ok && fleet?.totalItems == 2)
            for (node, window) in [("edge-scraped", "[240s]"), ("edge-pushed", "[660s]"), ("edge-unknown", "[660s]")] {
                _ = try await client.get("/edge/nodes/\(node)/gpu", as: NodeGPU.self)
                let asked = source.queries.filter { $0.text.contains("instance=\"\(node)\"") }
                #expect(!asked.isEmpty && asked.allSatisfy { $0.text.hasSuffix(window) }, "\(node): \(asked.map(\.text))")
            }
        }
    }

    @Test(arguments: ["Bad_Name", "edge%22%7D%20or%20vector(1)", "-edge", String(repeating: "a", count: 254), "a..b"])
    func invalidNodeNameIsRejectedBeforeAnyQuery(name: String) async throws {
        let source = FakeMetricsSource(series: try fixtureFleet(at: now))
        try await TestApp.withRouter(source) { client, database in
            let (status, _, error) = try await client.get("/edge/nodes/\(name)/gpu", as: NodeGPU.self)
            #expect(status == .badRequest)
            #expect(error?.error.code == "invalid_node_name")
            #expect(!source.queries.contains { $0.text.contains("[") }, "a snapshot query was sent")
        }
    }

    @Test func nodeNeverSeenIs404() async throws {
        try await TestApp.withRouter(FakeMetricsSource(series: try fixtureFleet(at: now))) { client, database in
            let (status, _, error) = try await client.get("/edge/nodes/edge-unknown/gpu", as: NodeGPU.self)
            #expect(status == .notFound)
            #expect(error?.error.code == "node_not_found")
        }
    }

    @Test func prometheusDownWithNothingStoredIs503() async throws {
        let source = FakeMetricsSource()
        source.fail(with: .unreachable("connection refused"))
        try await TestApp.withRouter(source) { client, database in
            let (status, _, error) = try await client.get("/edge/nodes/edge-nx-01/gpu", as: NodeGPU.self)
            #expect(status == .serviceUnavailable)
            #expect(error?.error.code == "prometheus_unavailable")
            #expect(error?.error.message.contains("connection refused") == true)
        }
    }

    @Test func staleSnapshotServedWhenPrometheusIsDown() async throws {
        let source = FakeMetricsSource(series: try fixtureFleet(at: now))
        try await TestApp.withRouter(source) { client, database in
            let (_, online, _) = try await client.get("/edge/nodes/edge-nx-01/gpu", as: NodeGPU.self)
            #expect(online?.status == .online)

            source.fail(with: .timeout(seconds: 10))
            let (status, stale, _) = try await client.get("/edge/nodes/edge-nx-01/gpu", as: NodeGPU.self)
            #expect(status == .ok)
            #expect(stale?.status == .stale)
            #expect(stale?.gpus == online?.gpus)
            #expect(stale?.observedAt == online?.observedAt)
            #expect(stale?.offlineSensors == ["aux"])
        }
    }

    @Test func samplesOlderThanThreeScrapeIntervalsAreStale() async throws {
        let source = FakeMetricsSource(series: try fixtureFleet(at: now - 4 * 60))
        try await TestApp.withRouter(source) { client, database in
            let (_, node, _) = try await client.get("/edge/nodes/edge-nano-03/gpu", as: NodeGPU.self)
            #expect(node?.status == .stale)
            #expect(node?.gpus.first?.utilizationPercent == 58.9)
        }
    }

    @Test func knownNodeWithoutSamplesIsOffline() async throws {
        let source = FakeMetricsSource(series: try fixtureFleet(at: now))
        try await TestApp.withRouter(source) { client, database in
            _ = try await client.get("/edge/nodes/edge-nx-01/gpu", as: NodeGPU.self)
            source.replace([])
            let (status, node, _) = try await client.get("/edge/nodes/edge-nx-01/gpu", as: NodeGPU.self)
            #expect(status == .ok)
            #expect(node?.status == .offline)
            #expect(node?.board.model == "NVIDIA Jetson Xavier NX (Developer kit)")
            #expect(node?.gpus.isEmpty == true)
            #expect(node?.observedAt == nil)
        }
    }

    @Test func dcgmNodesCanBeNamedByHostname() async throws {
        // dcgm-exporter's `instance` is the exporter pod's address here; its own `Hostname` label names the node.
        let source = FakeMetricsSource(series: try Fixtures.series("dcgm-2x-a100.prom", node: "10.0.0.7:9400", timestamp: now))
        try await TestApp.withRouter(source, configure: { $0.exporterNodeLabels[.dcgm] = LabelName("Hostname") }) { client, database in
            let (status, node, _) = try await client.get("/edge/nodes/ks-gpu-worker-01/gpu", as: NodeGPU.self)
            #expect(status == .ok)
            #expect(node?.exporter == .dcgm)
            #expect(node?.gpus.count == 2)
            #expect(node?.status == .online)
            #expect(source.queries.contains { $0.text.contains(#"Hostname="ks-gpu-worker-01""#) })
            for _ in 0..<100 where try await Inventory(path: database, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger).boards().isEmpty {
                try await Task.sleep(for: .milliseconds(50))
            }
            let boards = try await Inventory(path: database, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger).boards()
            #expect(boards.map(\.node) == ["ks-gpu-worker-01"])
            #expect(boards.first?.driverVersion == "535.183.01")
        }
    }

    @Test func unknownRouteIsAJSONError() async throws {
        try await TestApp.withRouter(FakeMetricsSource()) { client, database in
            let (status, _, error) = try await client.get("/edge/nothing", as: NodeGPU.self)
            #expect(status == .notFound)
            #expect(error?.error.code == "not_found")
        }
    }
}
