import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// A fleet served in racks (`simulate --nodes-per-target`), scraped with `honor_labels` as a Pushgateway's or a
/// federating Prometheus' targets are: a few targets, every node its own `instance`, and ks-edge-gpu sees each node as
/// if it were scraped alone, its node-exporter page joined.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveRackTests {
    static let mix: [(SimulatedBoard.Exporter, Int)] = [(.jetson, 2), (.dcgm, 1), (.nvidiaSMI, 1)]
    static let fleet = SimulatedBoard.fleet(count: 8, mix: mix)

    @Test func racksOfNodesAreEachNodeToTheServer() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        try await LiveServices.withSimulator(boards: Self.fleet.count, mix: Self.mix, fixtures: [:], nodeExporter: true, nodesPerTarget: 3) { simulator in
            let racks = """
                  - job_name: racks
                    honor_labels: true
                    http_sd_configs:
                      - url: http://127.0.0.1:\(simulator)/rack-targets
                        refresh_interval: 1s
                """
            let prometheus = try PrometheusProcess(targetsPort: simulator, binary: binary, extraScrapeConfigs: racks)
            defer { prometheus.stop() }
            // Jetson 4 boards: 2 racks; dcgm 2: 1; nvidia-smi 2: 1; node-exporter 8: 3. Seven targets for 16 pages.
            try await prometheus.waitForNodes(7)
            // The exporters' series (not the targets' own `up` and `scrape_*`, which name the rack's address).
            let instances = try await prometheus.query(#"count by (instance) ({job=~"jetson-exporter|dcgm-exporter|nvidia-gpu-exporter",__name__!~"up|scrape_.*"})"#)
            #expect(Set(instances.compactMap { $0.labels["instance"] }) == Set(Self.fleet.map(\.node)))
            let directory = try TemporaryDirectory()
            let configuration = try prometheus.serveConfiguration(in: directory, timeout: .seconds(5))
            let app = try await buildApplication(configuration, logger: TestApp.logger)
            try await app.test(.live) { client in
                let list = try await client.fleet { $0.totalItems == Self.fleet.count && $0.items.allSatisfy { $0.status == .online } }
                #expect(Set(list?.items.map(\.node) ?? []) == Set(Self.fleet.map(\.node)))
                for board in Self.fleet {
                    let snapshot = try #require(try await client.get("/edge/nodes/\(board.node)/gpu", as: NodeGPU.self).1, "\(board.node)")
                    #expect(snapshot.status == .online && snapshot.sources.contains(.nodeExporter), "\(board.node): \(snapshot.sources)")
                    #expect(snapshot.exporter.rawValue == (board.kind.exporter == .jetson ? "jetson" : board.kind.exporter == .dcgm ? "dcgm" : "nvidia-smi"))
                }
            }
        }
    }
}
