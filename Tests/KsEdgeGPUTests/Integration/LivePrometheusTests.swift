import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

@Test func prometheusIsInstalledInCI() {
    if LiveServices.inCI {
        #expect(LiveServices.canRun, "CI needs the Debian package prometheus (or PROMETHEUS_BIN) for the integration tests")
        // CI runs the integration suite on VictoriaMetrics too (BACKEND=victoria-metrics), its rules with vmalert.
        #expect(LiveServices.victoriaMetricsBinary != nil && LiveServices.vmalertBinary != nil,
                "CI needs the Debian package victoria-metrics (or VICTORIA_METRICS_BIN and VMALERT_BIN)")
    }
}

/// The whole path: simulator -> real Prometheus -> ks-edge-gpu over HTTP -> SQLite file.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LivePrometheusTests {
    /// Three Jetson boards (one of each kind), a dcgm and an nvidia-smi server.
    static let boards = 5
    static let mix: [(SimulatedBoard.Exporter, Int)] = [(.jetson, 3), (.dcgm, 1), (.nvidiaSMI, 1)]

    /// Every fixture file, replayed by the simulator as node `fx-<file name>`.
    static var fixtureNodes: [String: String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path)) ?? []
        return Dictionary(uniqueKeysWithValues: files.filter { $0.hasSuffix(".prom") }.map { file in
            ("fx-" + file.replacingOccurrences(of: ".prom", with: ""), Fixtures.path(file))
        })
    }

    /// Runs `body` with a live ks-edge-gpu (scrape interval 1s) in front of a real Prometheus scraping the simulator.
    /// `scrapeInterval`: what the server is told (Prometheus scrapes every second whatever it is); it sets how old data
    /// may be and still be online.
    func withLiveStack(recordingRules: Bool = false, scrapeInterval: Duration = .seconds(1),
                       _ body: @Sendable (any TestClientProtocol, PrometheusProcess, String) async throws -> Void) async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let fixtures = Self.fixtureNodes
        #expect(fixtures.count >= 5, "fixtures missing in \(Fixtures.directory.path)")
        try await LiveServices.withSimulator(boards: Self.boards, mix: Self.mix, fixtures: fixtures) { simulatorPort in
            let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: binary, recordingRules: recordingRules)
            defer { prometheus.stop() }
            try await prometheus.waitForNodes(Self.boards + fixtures.count)
            let directory = try TemporaryDirectory()
            var configuration = try prometheus.serveConfiguration(in: directory, scrapeInterval: scrapeInterval, timeout: .seconds(2))
            configuration.refreshInterval = .seconds(1)
            let app = try await buildApplication(configuration, logger: TestApp.logger)
            try await app.test(.live) { client in try await body(client, prometheus, directory.file("inventory.sqlite")) }
        }
    }

    /// The server is told 3 s scrapes (online while under 9 s old) so a scrape a loaded machine delays is not `stale`;
    /// what this test checks is the values.
    @Test func fixturesComeBackThroughPrometheusAsNormalised() async throws {
        try await withLiveStack(scrapeInterval: .seconds(3)) { client, _, _ in
            for (node, path) in Self.fixtureNodes {
                let (status, body, error) = try await client.get("/edge/nodes/\(node)/gpu", as: NodeGPU.self)
                #expect(status == .ok, "\(node): \(error?.error.message ?? "")")
                let served = try #require(body)
                let file = URL(fileURLWithPath: path).lastPathComponent
                let expected = try #require(Normalizer.normalize(node: node, series: Fixtures.series(file, node: node)))
                #expect(served.status == .online, "\(node): observed at \(served.observedAt.map { "\($0)" } ?? "never")")
                #expect(served.exporter == expected.exporter)
                #expect(served.gpus == expected.gpus, "\(node)")
                #expect(served.cpu == expected.cpu, "\(node)")
                #expect(served.temperatures == expected.temperatures, "\(node)")
                #expect(served.offlineSensors == expected.offlineSensors, "\(node)")
                #expect(served.power == expected.power, "\(node)")
                #expect(served.processes == expected.processes, "\(node)")
                #expect(served.uptimeSeconds == expected.uptimeSeconds, "\(node)")
                #expect(LiveServices.backend.agrees(served.fanPercent, expected.fanPercent), "\(node): \(String(describing: served.fanPercent))")
                var board = served.board
                board.firstSeen = nil
                board.lastSeen = nil
                #expect(board == expected.board, "\(node)")
                #expect(served.board.firstSeen != nil && served.board.lastSeen != nil)
            }
        }
    }

    /// observedAt is when the node was scraped, as Prometheus stamped the sample, not when the question was asked.
    @Test func observedAtIsTheScrapeTime() async throws {
        try await withLiveStack { client, prometheus, _ in
            for node in ["fx-jetson-agx-orin", "fx-dcgm-2x-a100", "fx-nvidia-smi-exporter"] {
                let (_, body, _) = try await client.get("/edge/nodes/\(node)/gpu", as: NodeGPU.self)
                let observed = try #require(body?.observedAt)
                // The raw samples of the last 10 seconds, with the times Prometheus stamped them.
                let query = #"{__name__=~"gpu_usage_gpu|DCGM_FI_DEV_GPU_TEMP|nvidia_smi_temperature_gpu",instance="\#(node)"}[10s]"#
                let scrapes = Set(try await prometheus.query(query).flatMap(\.points).map { Int(($0.timestamp * 1000).rounded()) })
                #expect(scrapes.contains(Int((observed.timeIntervalSince1970 * 1000).rounded())), "\(node): \(observed) is not a scrape time")
            }
        }
    }

    @Test func simulatedBoardsShowTheirQuirksThroughPrometheus() async throws {
        try await withLiveStack { client, _, _ in
            for board in SimulatedBoard.fleet(count: Self.boards, mix: Self.mix) {
                let (status, body, _) = try await client.get("/edge/nodes/\(board.node)/gpu", as: NodeGPU.self)
                #expect(status == .ok)
                let node = try #require(body)
                #expect(node.status == .online)
                let load = try #require(node.gpus.first?.utilizationPercent)
                #expect((0...100).contains(load))
                #expect(node.temperatures.allSatisfy { (20...90).contains($0.celsius) })
                switch board.kind {
                case .xavierNX:
                    #expect(node.offlineSensors == ["aux"])
                    #expect(node.power.rails.allSatisfy { $0.watts == nil })
                    #expect(node.cpu.cores.count == 6)
                case .agxOrin:
                    #expect(node.gpus.first?.powerWatts != nil)
                    #expect(node.power.totalWatts == nil)
                case .orinNano:
                    #expect(node.power.totalWatts != nil)
                    #expect(node.gpus.first?.memoryUsedBytes != nil)
                    #expect(node.board.codename == nil)
                case .orinNX:
                    // The seed collector on JetPack 6, without node-exporter here: no temperatures, no rails.
                    #expect(node.temperatures.isEmpty && node.gpus.first?.temperatureCelsius == nil)
                    #expect(node.power.rails.allSatisfy { $0.watts == nil })
                case .a100:
                    #expect(node.exporter == .dcgm)
                    #expect(node.gpus.count == 2)
                    #expect(node.power.totalWatts == node.gpus.compactMap(\.powerWatts).reduce(0, +))
                    #expect(node.processes.map(\.namespace) == ["ai-serving"])
                    #expect(node.gpus.allSatisfy { ($0.memoryUsedBytes ?? .infinity) <= ($0.memoryTotalBytes ?? 0) })
                case .l40s:
                    #expect(node.exporter == .nvidiaSMI)
                    #expect(node.gpus.count == 1)
                    #expect(node.gpus.first?.uuid?.hasPrefix("GPU-") == true)
                    #expect(node.processes.count == 2)
                }
            }
        }
    }

    @Test func fleetAndInventoryCoverEveryScrapedNode() async throws {
        try await withLiveStack { client, _, database in
            let expected = Set(SimulatedBoard.fleet(count: Self.boards, mix: Self.mix).map(\.node) + Self.fixtureNodes.keys)
            let (status, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            #expect(status == .ok)
            #expect(Set(try #require(list).items.map(\.node)) == expected)
            #expect(list?.items.allSatisfy { $0.status == .online && $0.lastSeen != nil && $0.model != nil } == true)
            #expect(list?.items.first { $0.node == "fx-jetson-orin-nano" }?.powerWatts == 7.79)
            #expect(list?.items.first { $0.node == "fx-dcgm-2x-a100" }?.exporter == .dcgm)
            #expect(list?.items.first { $0.node == "fx-nvidia-smi-exporter" }?.gpuUtilizationPercent == 9)

            // The background refresh writes every board to the SQLite file.
            var boards: [BoardRecord] = []
            for _ in 0..<40 {
                boards = try await Inventory(path: database, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger).boards()
                if boards.count == expected.count { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(Set(boards.map(\.node)) == expected)
            #expect(boards.first { $0.node == "fx-jetson-xavier-nx" }?.serialNumber == "1422020048532")
            #expect(boards.first { $0.node == "fx-dcgm-2x-a100" }?.driverVersion == "535.183.01")
            #expect(boards.first { $0.node == "fx-nvidia-smi-exporter" }?.exporter == .nvidiaSMI)
        }
    }

    /// With the fleet's recording rules loaded (deploy/prometheus), the index reads the recorded series with one
    /// selector, and its rows are the ones Prometheus' aggregation gives; without them, the aggregation is what it reads.
    @Test(arguments: [true, false])
    func theIndexReadsTheRecordingRulesWhenLoaded(loaded: Bool) async throws {
        // vmalert's recorded series lag the scrape by an evaluation and a write back through VictoriaMetrics' API,
        // more than three 1 s scrapes on a busy machine: the server is told of a 3 s interval there.
        let interval: Duration = loaded && LiveServices.backend == .victoriaMetrics ? .seconds(3) : .seconds(1)
        try await withLiveStack(recordingRules: loaded, scrapeInterval: interval) { client, prometheus, _ in
            var ready: ReadyStatus?
            for _ in 0..<80 {
                ready = try await client.readiness()
                if ready?.fleetIndex?.recordingRules == loaded, ready?.fleetIndex?.nodes == Self.boards + Self.fixtureNodes.count { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(ready?.fleetIndex?.recordingRules == loaded)
            // Every rule evaluated and its series written back (vmalert writes them through VictoriaMetrics' API).
            let list = try await client.fleet { $0.items.count == Self.boards + Self.fixtureNodes.count && $0.items.allSatisfy { $0.status == .online } }
            let served = Dictionary(uniqueKeysWithValues: try #require(list).items.map { ($0.node, $0) })

            // The aggregation, asked of Prometheus directly and decoded as the index decodes it.
            let query = GPUQueries().fleet
            var answer: [Series] = []
            for promQL in query.promQL { answer += try await prometheus.query(promQL.text) }
            let aggregated = Dictionary(uniqueKeysWithValues: query.decode(answer).map { ($0.node, $0) })
            #expect(Set(served.keys) == Set(aggregated.keys))
            for (node, row) in aggregated {
                let item = try #require(served[node])
                #expect(item.exporter == row.exporter && item.model == row.model && item.status == .online, "\(node)")
                // The fixtures' values never move, so recorded and aggregated agree exactly.
                if node.hasPrefix("fx-") {
                    #expect(item.gpuUtilizationPercent == row.utilization, "\(node)")
                    #expect(item.gpuTemperatureCelsius == row.temperature, "\(node)")
                    #expect(item.powerWatts == row.power, "\(node)")
                    #expect(item.gpuCount == row.gpuCount && item.gpuMemoryUsedBytes == row.gpuMemoryUsed && item.gpuMemoryTotalBytes == row.gpuMemoryTotal, "\(node)")
                }
            }
            let recorded = try await prometheus.query(#"{__name__=~"node:ks_edge_gpu_fleet_.+"}"#)
            #expect(recorded.isEmpty == !loaded)
        }
    }

    /// The fleet's PromQL aggregation and the Swift normaliser follow the same rules: every row agrees with its node's snapshot.
    @Test func fleetRowsAgreeWithTheNodesSnapshots() async throws {
        try await withLiveStack { client, _, _ in
            let (_, list, _) = try await client.get("/edge/nodes", as: FleetList.self)
            let items = try #require(list).items
            #expect(items.count == Self.boards + Self.fixtureNodes.count)
            for item in items where item.node.hasPrefix("fx-") {
                let (_, body, _) = try await client.get("/edge/nodes/\(item.node)/gpu", as: NodeGPU.self)
                let snapshot = try #require(body)
                let expected = FleetList.Item(snapshot, status: snapshot.status, inventoryModel: nil, lastSeen: nil)
                #expect(item.exporter == expected.exporter, "\(item.node)")
                #expect(item.model == expected.model, "\(item.node)")
                #expect(item.gpuUtilizationPercent == expected.gpuUtilizationPercent, "\(item.node)")
                #expect(item.gpuTemperatureCelsius == expected.gpuTemperatureCelsius, "\(item.node)")
                #expect(item.powerWatts == expected.powerWatts, "\(item.node)")
                // A Jetson's one GPU is counted where it is seen (no recorded series of its own).
                #expect(item.gpuCount == expected.gpuCount && expected.gpuCount != nil, "\(item.node)")
                #expect(item.gpuMemoryUsedBytes == expected.gpuMemoryUsedBytes && item.gpuMemoryTotalBytes == expected.gpuMemoryTotalBytes, "\(item.node)")
            }
            #expect(items.first { $0.node == "fx-dcgm-2x-a100" }?.gpuUtilizationPercent == 43.5)
            #expect(items.first { $0.node == "fx-jetson-xavier-nx" }?.powerWatts == nil)
        }
    }

    @Test func historyComesFromOneRangeQueryWithGapsAsNull() async throws {
        try await withLiveStack { client, _, _ in
            try await Task.sleep(for: .seconds(3))
            let end = Int(Date().timeIntervalSince1970)
            // The range starts an hour before Prometheus held anything: those steps are gaps.
            let range = "start=\(end - 3600)&end=\(end)&step=1s"

            let (status, nx, error) = try await client.get("/edge/nodes/fx-jetson-xavier-nx/gpu/history?\(range)", as: History.self)
            #expect(status == .ok, "\(error?.error.message ?? "")")
            let series = try #require(nx).series
            let load = try #require(series.first { $0.metric == .gpuUtilization })
            #expect(load.points.count == 3601)
            #expect(load.points.first?.value == nil)
            #expect(load.points.compactMap(\.value).allSatisfy { $0 == 47.8 })
            #expect(load.points.compactMap(\.value).count >= 2)
            #expect(series.filter { $0.metric == .cpuUtilization }.count == 6)
            #expect(!series.contains { $0.metric == .boardPower || $0.metric == .gpuPower })
            #expect(Set(series.filter { $0.metric == .boardTemperature }.compactMap { $0.labels["sensor"] }) == ["ao", "gpu", "cpu", "thermal"])

            let (_, dcgm, _) = try await client.get("/edge/nodes/fx-dcgm-2x-a100/gpu/history?metrics=gpu_power&\(range)", as: History.self)
            #expect(dcgm?.series.map(\.labels) == [["gpu": "0"], ["gpu": "1"]])
            #expect(dcgm?.series.first?.points.compactMap(\.value).last == 214.562)

            let (_, smi, _) = try await client.get("/edge/nodes/fx-nvidia-smi-exporter/gpu/history?metrics=gpu_utilization&\(range)", as: History.self)
            #expect(smi?.series.first?.labels == ["gpu": "0"])
            #expect(smi?.series.first?.points.compactMap(\.value).last == 9)
        }
    }

    /// The console's metrics from a node's history (each exporter's PromQL, evaluated by Prometheus at the scrape time)
    /// equal those from its snapshot (the normaliser): two implementations of every unit conversion, checked against
    /// each other on every fixture.
    @Test func consoleMetricsFromHistoryAgreeWithTheSnapshot() async throws {
        try await withLiveStack { client, _, _ in
            let filter = "node_per_gpu_|node_gpu_|node_board_temperature|node_board_power$|node_cpu_core"
            for node in Self.fixtureNodes.keys.sorted() {
                let base = "/kapis/gpu.edge.kubesphere.io/v1alpha1/nodes/\(node)/metrics?metrics_filter=\(FormEncoding.escape(filter))"
                let (_, current, _) = try await client.get(base, as: MonitoringResults.self)
                let now = try #require(current)
                let time = try #require(now.results.flatMap(\.data.result).compactMap(\.value?.timestamp).max(), "\(node)")
                // The snapshot reads raw samples, which VictoriaMetrics shows a moment before a range query's step
                // at the same time does: ask the history once that sample is two seconds old.
                let wait = time + 2 - Date().timeIntervalSince1970
                if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
                let (status, past, error) = try await client.get("\(base)&time=\(time)", as: MonitoringResults.self)
                #expect(status == .ok, "\(node): \(error?.error.message ?? "")")
                let then = try #require(past)
                #expect(now.results.map(\.metricName) == then.results.map(\.metricName))
                for (fromSnapshot, fromHistory) in zip(now.results, then.results) {
                    // The history does not carry the MIG profile name.
                    func values(_ result: MonitoringResult) -> [[String: String]: Double] {
                        Dictionary(result.data.result.compactMap { series in
                            series.value.map { (series.metric.filter { $0.key != "mig_profile" }, $0.value) }
                        }, uniquingKeysWith: { first, _ in first })
                    }
                    let (expected, found) = (values(fromSnapshot), values(fromHistory))
                    #expect(Set(expected.keys) == Set(found.keys), "\(node) \(fromSnapshot.metricName)")
                    for (labels, value) in expected {
                        #expect(abs((found[labels] ?? .nan) - value) < 1e-6, "\(node) \(fromSnapshot.metricName) \(labels): \(value) vs \(found[labels] ?? .nan)")
                    }
                }
            }
        }
    }

    /// The every-node answer (one query over the whole fleet) says for each node what that node's own answer says, and
    /// the cluster totals are their sums.
    @Test func everyNodeMetricsAgreeWithEachNodesAndTheClusterSumsThem() async throws {
        try await withLiveStack { client, _, _ in
            let base = "/kapis/gpu.edge.kubesphere.io/v1alpha1"
            let filter = FormEncoding.escape("node_per_gpu_|node_gpu_|node_board_temperature|node_cpu_core")
            let time = String(format: "%.3f", Date().timeIntervalSince1970)
            try await Task.sleep(for: .milliseconds(1500))
            let (_, everyNode, error) = try await client.get("\(base)/nodes/metrics?metrics_filter=\(filter)&time=\(time)", as: MonitoringResults.self)
            let fleet = try #require(everyNode, "\(error?.error.message ?? "")")
            #expect(fleet.totalItem == Self.boards + Self.fixtureNodes.count)
            var usage = 0.0, total = 0.0
            for node in Self.fixtureNodes.keys.sorted() {
                let (_, own, _) = try await client.get("\(base)/nodes/\(node)/metrics?metrics_filter=\(filter)&time=\(time)", as: MonitoringResults.self)
                for (mine, everyone) in zip(try #require(own).results, fleet.results) {
                    #expect(mine.metricName == everyone.metricName)
                    let fromFleet = everyone.data.result.filter { $0.metric["node"] == node }
                    #expect(Set(fromFleet.map(\.metric)) == Set(mine.data.result.map(\.metric)), "\(node) \(mine.metricName)")
                    #expect(Set(fromFleet.compactMap(\.value?.value)) == Set(mine.data.result.compactMap(\.value?.value)), "\(node) \(mine.metricName)")
                }
            }
            for result in fleet.results where ["node_gpu_usage", "node_gpu_total"].contains(result.metricName) {
                let sum = result.data.result.compactMap(\.value?.value).reduce(0, +)
                if result.metricName == "node_gpu_usage" { usage = sum } else { total = sum }
            }
            let (_, cluster, _) = try await client.get("\(base)/cluster/metrics?metrics_filter=\(FormEncoding.escape("cluster_gpu_(usage|total)$"))&time=\(time)", as: MonitoringResults.self)
            let values = Dictionary(uniqueKeysWithValues: try #require(cluster).results.map { ($0.metricName, $0.data.result.first?.value?.value) })
            #expect(total > 0)
            #expect(abs(((values["cluster_gpu_usage"] ?? nil) ?? -1) - usage) < 1e-6)
            #expect(values["cluster_gpu_total"] == total)
        }
    }

    /// The console's node list of now (answered from the fleet index's rows, which the recording rules feed) says what
    /// Prometheus' own range query says of the same nodes, in the same order, and the cluster's totals of now are its
    /// sums. The fixture nodes read the same at every scrape, so the two answers can be compared value for value.
    @Test(arguments: [false, true])
    func theNodeListOfNowFromTheIndexIsWhatPrometheusSays(recorded: Bool) async throws {
        try await withLiveStack(recordingRules: recorded, scrapeInterval: .seconds(3)) { client, _, _ in
            let base = "/kapis/gpu.edge.kubesphere.io/v1alpha1"
            let fixtures = Self.fixtureNodes.count
            // The index lists every node once a refresh has seen them all (with rules, once they are recorded and read).
            for _ in 0..<80 {
                let ready = try await client.readiness()
                if ready.fleetIndex?.recordingRules == recorded, ready.fleetIndex?.nodes == Self.boards + fixtures { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            let listed = try await client.fleet { $0.items.count == Self.boards + fixtures && $0.items.allSatisfy { $0.status == .online } }
            #expect(listed?.items.count == Self.boards + fixtures)
            let filter = FormEncoding.escape("node_gpu_(usage|total|utilization|memory_usage|memory_total|memory_utilization)$")
            let list = "\(base)/nodes/metrics?metrics_filter=\(filter)&sort_metric=node_gpu_usage&resources_filter=\(FormEncoding.escape("fx-.*"))&page=1&limit=100"
            let fromIndex = try #require(try await client.get(list, as: MonitoringResults.self).1)
            // An instant both answers hold (VictoriaMetrics shows a sample to range queries a moment late).
            let time = String(format: "%.3f", Date().timeIntervalSince1970)
            try await Task.sleep(for: .milliseconds(1500))
            let fromPrometheus = try #require(try await client.get("\(list)&time=\(time)", as: MonitoringResults.self).1)
            #expect(fromIndex.totalItem == fixtures && fromPrometheus.totalItem == fixtures)
            #expect(fromIndex.results.map(\.metricName) == fromPrometheus.results.map(\.metricName))
            for (index, prometheus) in zip(fromIndex.results, fromPrometheus.results) {
                #expect(index.data.result.map(\.metric) == prometheus.data.result.map(\.metric), "\(index.metricName): the same nodes in the same order")
                for (row, direct) in zip(index.data.result, prometheus.data.result) {
                    let (found, expected) = (row.value?.value ?? .nan, direct.value?.value ?? .nan)
                    #expect(abs(found - expected) <= 1e-6 * max(1, abs(expected)), "\(index.metricName) \(row.metric): \(found) vs \(expected)")
                }
            }
            #expect(fromIndex.results.first { $0.metricName == "node_gpu_total" }?.data.result.isEmpty == false)

            let every = try #require(try await client.get("\(base)/nodes/metrics?metrics_filter=\(FormEncoding.escape("node_gpu_(usage|total)$"))", as: MonitoringResults.self).1)
            let cluster = try #require(try await client.get("\(base)/cluster/metrics?metrics_filter=\(FormEncoding.escape("cluster_gpu_(usage|total)$"))", as: MonitoringResults.self).1)
            for (node, total) in [("node_gpu_usage", "cluster_gpu_usage"), ("node_gpu_total", "cluster_gpu_total")] {
                let sum = every.results.first { $0.metricName == node }?.data.result.compactMap(\.value?.value).reduce(0, +)
                let found = cluster.results.first { $0.metricName == total }?.data.result.first?.value?.value
                #expect(abs((found ?? .nan) - (sum ?? .nan)) < 1e-6, "\(total): \(found ?? .nan) vs the nodes' \(sum ?? .nan)")
            }
        }
    }

    /// The console's node list over a range names the nodes of its page: asking Prometheus for those nodes only (a
    /// regular-expression matcher on every node label) gives what asking for every node and filtering afterwards gives.
    @Test func aRangeOfTheListedNodesIsWhatTheWholeFleetSaysOfThem() async throws {
        try await withLiveStack(scrapeInterval: .seconds(3)) { client, _, _ in
            let base = "/kapis/gpu.edge.kubesphere.io/v1alpha1"
            let named = ["fx-dcgm-2x-a100", "fx-jetson-agx-orin", SimulatedBoard.fleet(count: Self.boards, mix: Self.mix)[0].node]
            _ = try await client.fleet { $0.items.count == Self.boards + Self.fixtureNodes.count }
            try await Task.sleep(for: .seconds(4))
            let end = Int(Date().timeIntervalSince1970) - 2
            let metrics = FormEncoding.escape("node_gpu_(usage|utilization|memory_usage)$|node_per_gpu_(temp|utilization)$|node_cpu_core_utilization$")
            func ask(_ filter: String) async throws -> MonitoringResults {
                let uri = "\(base)/nodes/metrics?metrics_filter=\(metrics)&resources_filter=\(FormEncoding.escape(filter))&start=\(end - 12)&end=\(end)&step=2s&sort_metric=node_gpu_utilization"
                let (status, body, error) = try await client.get(uri, as: MonitoringResults.self)
                #expect(status == .ok, "\(error?.error.message ?? "")")
                return try #require(body)
            }
            let listed = try await ask(named.joined(separator: "|"))
            // Not a list of names: every node is asked for, then filtered.
            let filtered = try await ask(named.joined(separator: "|") + "|zz-.*")
            #expect(listed.totalItem == named.count && filtered.totalItem == named.count)
            #expect(listed.results.map(\.metricName) == filtered.results.map(\.metricName))
            for (fromList, fromFleet) in zip(listed.results, filtered.results) {
                #expect(Set(fromList.data.result.compactMap { $0.metric["node"] }).isSubset(of: named), "\(fromList.metricName)")
                #expect(fromList.data == fromFleet.data, "\(fromList.metricName)")
            }
            #expect(Set(listed.results.flatMap { $0.data.result.compactMap { $0.metric["node"] } }) == Set(named))
            #expect(listed.results.contains { !$0.data.result.isEmpty && $0.data.result.allSatisfy { $0.values?.isEmpty == false } })
        }
    }

    /// An allowed query answers with Prometheus' own body; a query for anything else never reaches it.
    @Test func passThroughAnswersAsPrometheusDoes() async throws {
        try await withLiveStack { client, prometheus, _ in
            // An instant both answers evaluate alike: now, once every scrape up to it has been stored.
            let time = String(format: "%.3f", Date().timeIntervalSince1970)
            try await Task.sleep(for: .milliseconds(1500))
            for query in ["gpu_usage_gpu", "sum by (instance) (DCGM_FI_DEV_GPU_TEMP)", "up"] {
                let parameters = "query=\(FormEncoding.escape(query))&time=\(time)"
                let (direct, _) = try await URLSession.shared.data(from: try #require(URL(string: "\(prometheus.url)/api/v1/query?\(parameters)")))
                let ours = try await client.execute(uri: "/api/v1/query?\(parameters)", method: .get) { ($0.status, Data(buffer: $0.body)) }
                #expect(ours.0 == .ok)
                let expected = try JSONSerialization.jsonObject(with: direct) as? NSDictionary
                let served = try JSONSerialization.jsonObject(with: ours.1) as? NSDictionary
                #expect(expected != nil && served == expected, "\(query)")
                let decoded = try JSONSerialization.jsonObject(with: direct) as? [String: Any]
                let result = (decoded?["data"] as? [String: Any])?["result"] as? [Any]
                #expect(result?.isEmpty == false, "\(query) selects nothing")
            }
            try await client.execute(uri: "/api/v1/query?query=prometheus_build_info", method: .get) { #expect($0.status == .forbidden) }
        }
    }

    /// NVIDIA's DCGM dashboard (12239) as Grafana sends it, both encodings, GET and POST: every panel answers what
    /// Prometheus answers to the same query, and the `gpu` variable lists the DCGM GPUs.
    @Test(arguments: GrafanaEncoding.allCases)
    func grafanasDashboardQueriesAnswerAsPrometheusDoes(encoding: GrafanaEncoding) async throws {
        try await withLiveStack { client, prometheus, _ in
            // A range in the past that Prometheus holds scrapes for, so both answers are alike.
            try await Task.sleep(for: .seconds(4))
            let end = Int(Date().timeIntervalSince1970) - 1
            let range = [("start", "\(end - 6)"), ("end", "\(end)"), ("step", "2")]
            for expression in DCGMDashboard.panels {
                let direct = try await URLSession.shared.data(from: try #require(
                    URL(string: "\(prometheus.url)/api/v1/query_range?query=\(FormEncoding.escape(expression))&start=\(end - 6)&end=\(end)&step=2"))).0
                let expected = try JSONSerialization.jsonObject(with: direct) as? NSDictionary
                let result = ((expected?["data"] as? NSDictionary)?["result"] as? NSArray) ?? []
                #expect(result.count > 0, "\(expression) selects nothing")
                let form = encoding.encode([("query", expression)] + range)
                for method in [HTTPRequest.Method.get, .post] {
                    let body = try await client.execute(uri: "/api/v1/query_range" + (method == .get ? "?\(form)" : ""), method: method,
                                                        headers: [.contentType: "application/x-www-form-urlencoded"],
                                                        body: method == .post ? ByteBuffer(string: form) : nil) { response in
                        #expect(response.status == .ok, "\(method) \(form)")
                        return Data(buffer: response.body)
                    }
                    let served = try JSONSerialization.jsonObject(with: body) as? NSDictionary
                    if LiveServices.backend == .prometheus {
                        #expect(served == expected, "\(method) \(expression)")
                    } else {
                        // VictoriaMetrics may fill the newest step in between two asks: the same series suffice.
                        func series(_ answer: NSDictionary?) -> Set<NSDictionary> {
                            Set((((answer?["data"] as? NSDictionary)?["result"] as? [NSDictionary]) ?? []).compactMap { $0["metric"] as? NSDictionary })
                        }
                        #expect(series(served) == series(expected) && !series(served).isEmpty, "\(method) \(expression)")
                    }
                }
            }
            let variable = encoding.encode([("match[]", DCGMDashboard.gpuVariable), ("start", "\(end - 6)"), ("end", "\(end)")])
            let gpus = try await client.execute(uri: "/api/v1/label/gpu/values?\(variable)", method: .get) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body)) \(response.headers)")
                return (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["data"] as? [String]
            }
            #expect(Set(gpus ?? []).isSuperset(of: ["0", "1"]), "\(gpus ?? [])")
        }
    }

    @Test func answersTurnStaleWhenPrometheusStops() async throws {
        try await withLiveStack { client, prometheus, _ in
            let (_, online, _) = try await client.get("/edge/nodes/fx-jetson-agx-orin/gpu", as: NodeGPU.self)
            #expect(online?.status == .online)
            // Ready once the fleet index's first refresh has finished.
            var ready = try await client.readiness()
            for _ in 0..<40 where !ready.isReady {
                try await Task.sleep(for: .milliseconds(250))
                ready = try await client.readiness()
            }
            #expect(ready.isReady && ready.listening)
            #expect(ready.lastPrometheusContact != nil)
            #expect(ready.fleetIndex?.origin == .prometheus)

            prometheus.stop()
            let (status, stale, _) = try await client.get("/edge/nodes/fx-jetson-agx-orin/gpu", as: NodeGPU.self)
            #expect(status == .ok)
            #expect(stale?.status == .stale)
            #expect(stale?.gpus == online?.gpus)

            // Never asked for while Prometheus was up: nothing stored to serve.
            let (unstored, _, error) = try await client.get("/edge/nodes/fx-jetson-orin-nano/gpu", as: NodeGPU.self)
            #expect(unstored == .serviceUnavailable)
            #expect(error?.error.code == "prometheus_unavailable")

            // The fleet index's next refresh fails: its rows are kept, none of them online.
            let list = try await client.fleet { $0.items.allSatisfy { $0.status == .stale } }
            #expect(list?.items.isEmpty == false && list?.items.allSatisfy { $0.status == .stale } == true)
        }
    }
}

/// A Prometheus that accepts the connection and never answers in time.
@Suite struct SlowPrometheusTests {
    @Test func slowPrometheusGetsABoundedWaitAndA503() async throws {
        let router = Router()
        router.post("api/v1/query") { _, _ -> String in
            try? await Task.sleep(for: .seconds(2))
            return "{}"
        }
        let silent = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestApp.logger)
        try await silent.test(.live) { silentClient in
            let directory = try TemporaryDirectory()
            var configuration = TestApp.configuration(database: directory.file("db.sqlite"))
            configuration.prometheusURL = try #require(URL(string: "http://127.0.0.1:\(silentClient.port!)"))
            configuration.prometheusTimeout = .milliseconds(500)
            let app = try await buildApplication(configuration, logger: TestApp.logger)
            try await app.test(.router) { client in
                let (status, _, error) = try await client.get("/edge/nodes/edge-nx-01/gpu", as: NodeGPU.self)
                #expect(status == .serviceUnavailable)
                #expect(error?.error.message.contains("did not answer within 0.5s") == true)
            }
        }
    }
}
