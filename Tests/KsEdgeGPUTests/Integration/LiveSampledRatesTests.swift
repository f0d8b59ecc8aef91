import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// The snapshot asks Prometheus for raw samples only and computes the rest itself: at one instant, over the same
/// samples, every counter's rate must be what Prometheus' own `irate` gives, each node's freshness what `timestamp`
/// gives, and the snapshot's cores what `clamp(1 - irate(idle))` gives. Simulated Jetsons and GPU servers with their
/// node-exporter pages, and a dcgm-exporter page whose thermal violation counter grows.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveSampledRatesTests {
    static let faultyServer = "fx-dcgm-faults"
    static let counters = ["node_cpu_seconds_total", "node_network_receive_bytes_total", "node_network_transmit_bytes_total",
                           "DCGM_FI_DEV_THERMAL_VIOLATION"]

    @Test func ratesAndFreshnessFromRawSamplesAreWhatPrometheusComputes() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        try await LiveServices.withSimulator(boards: 3, mix: [(.jetson, 1), (.dcgm, 1), (.nvidiaSMI, 1)], fixtures: [:], nodeExporter: true) { simulatorPort in
            let router = Router()
            try LiveFleetProblemsTests.serveFaultyServer(on: router)
            let host = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestApp.logger)
            try await host.test(.live) { hostClient in
                let port = try #require(hostClient.port)
                let job = PrometheusProcess.job("dcgm-exporter", port: port, path: "/dcgm", instance: Self.faultyServer, honorTimestamps: true)
                let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: binary, extraScrapeConfigs: job)
                defer { prometheus.stop() }
                try await prometheus.waitForNodes(3 * 2 + 1)
                // Scraped every second: wait for a few scrapes of every target, so that the instant compared at (3 s
                // back) has every counter's samples to read a rate from.
                let scrapes = #"min(count_over_time(up[30s]))"#
                for _ in 0..<60 where (try await prometheus.query(scrapes).first?.latest?.value ?? 0) < 7 {
                    try await Task.sleep(for: .milliseconds(250))
                }
                try await compare(prometheus)
            }
        }
    }

    func compare(_ prometheus: PrometheusProcess) async throws {
        let queries = GPUQueries(scrapeInterval: .seconds(1), pushInterval: .seconds(10))
        let registry = queries.exporters
        // One instant, seconds back, so every sample stamped before it is in on a busy machine: the faulty server's
        // counters carry their own time, from before their scrape was taken in.
        let time = (Date().timeIntervalSince1970 - 3).rounded(.down)
        let window = "[\(queries.counterRate.widestWindowSeconds)s]"
        let nodes = try await prometheus.query(#"group by (instance) ({__name__=~"gpu_.*|DCGM_FI_.*|nvidia_smi_.*"})"#, at: time)
            .compactMap { $0.labels["instance"] }
        #expect(Set(nodes).count == 4, "\(nodes)")
        var growing = false
        for name in nodes {
            let node = try #require(NodeName(name))
            let query = queries.snapshot(node)
            let raw = try await query.promQL.asyncMap { try await prometheus.query($0.text, at: time) }.flatMap { $0 }
            let samples = SampleWindow(raw, now: time, goneAfter: queries.targetGoneAfter, source: registry.source(ofFamily:))
            let own = Selector().equal(DCGMCompatibility.sourceLabel, "").merging(registry.nodeExporter.snapshotExclusions)
            for family in Self.counters {
                let selector = own.equal(.metricName, family).equal(.instance, name)
                let theirs = Dictionary(uniqueKeysWithValues: try await prometheus.query("irate(\(selector.text)\(window))", at: time)
                    .map { ($0.labels, $0.latest!.value) })
                let mine = Dictionary(uniqueKeysWithValues: samples.current.filter { $0.name == family }.compactMap { series in
                    samples.perSecond(series).map { (series.labels.filter { $0.key != "__name__" }, $0) }
                })
                #expect(mine.keys.count == theirs.keys.count && mine.keys.allSatisfy { theirs[$0] != nil }, "\(name) \(family): the same series")
                for (labels, rate) in mine {
                    let expected = try #require(theirs[labels], "\(name) \(family) \(labels)")
                    #expect(LiveServices.backend.agrees(rate, expected), "\(name) \(family) \(labels): \(rate) vs irate's \(expected) over \(samples.current.first { $0.labels == labels.merging(["__name__": family]) { a, _ in a } }?.points.suffix(3) ?? [])")
                    if family == "DCGM_FI_DEV_THERMAL_VIOLATION", rate > 0 { growing = true }
                }
            }
            // Freshness: the newest heartbeat sample's time.
            let heartbeats = registry.exporters.map(\.heartbeat)
            let stamped = try await prometheus.query(#"max(timestamp({ks_edge_gpu_source="",__name__=~"\#(heartbeats.joined(separator: "|"))",instance="\#(name)"}))"#, at: time)
            let freshness = samples.freshness(heartbeats: Set(heartbeats))
            #expect(freshness.pushed == nil)
            #expect(freshness.scraped.map { abs($0 - (stamped.first?.latest?.value ?? 0)) < 0.001 } == true,
                    "\(name): \(String(describing: freshness.scraped)) vs timestamp's \(String(describing: stamped.first?.latest?.value))")
            // The snapshot's cores, decoded from the same samples.
            let answer = try #require(query.decode(raw, now: Date(timeIntervalSince1970: time)), "\(name)")
            let idle = Selector().equal(.metricName, "node_cpu_seconds_total").equal(.known("mode"), "idle").equal(.instance, name)
            let busy = try await prometheus.query("100 * clamp(1 - irate(\(idle.text)\(window)), 0, 1)", at: time)
            let expected = Dictionary(uniqueKeysWithValues: busy.compactMap { series in series.labels["cpu"].flatMap { Int($0) }.map { ($0 + 1, series.latest!.value) } })
            // The faulty server's page comes without node-exporter's.
            #expect(answer.readings.cpu.cores.count == expected.count && (name == Self.faultyServer || !expected.isEmpty), "\(name)'s cores")
            for core in answer.readings.cpu.cores {
                let percent = try #require(core.utilizationPercent, "\(name) core \(core.core)")
                #expect(abs(percent - (expected[core.core] ?? .nan)) < 1e-5, "\(name) core \(core.core): \(percent) vs \(expected[core.core] ?? .nan)")
            }
        }
        #expect(growing, "the faulty server's thermal violation counter read as growing")
    }
}
