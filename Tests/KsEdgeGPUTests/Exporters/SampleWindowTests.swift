import Foundation
import Testing
@testable import KsEdgeGPU

/// Which raw samples the snapshot takes as current, as Prometheus' instant selectors would, and what it reads from them.
@Suite struct SampleWindowTests {
    static let now = 1_795_000_100.0

    static func series(_ name: String, job: String = "gpu", labels: [String: String] = [:], _ points: [(Double, Double)]) -> Series {
        Series(labels: labels.merging(["__name__": name, "instance": "n1", "job": job]) { old, _ in old },
               points: points.map { .init(timestamp: $0.0, value: $0.1) })
    }

    static func window(_ series: [Series], now: Double = now) -> SampleWindow {
        SampleWindow(series, now: now, goneAfter: 20, source: ExporterRegistry.standard.source(ofFamily:))
    }

    @Test func aSeriesTheTargetsScrapesLeftOutLongerThanGoneAfterIsNoLongerCurrent() {
        let window = Self.window([
            Self.series("gpu_utilization_percent", [(Self.now - 30, 0), (Self.now - 10, 1), (Self.now - 5, 2)]),
            Self.series("gpu_temperature_celsius", labels: ["sensor": "gpu"], [(Self.now - 5, 40)]),
            // Not in the newest scrape: gone, or not yet searchable on VictoriaMetrics; within goneAfter (20 s) of it.
            Self.series("gpu_temperature_celsius", labels: ["sensor": "cpu"], [(Self.now - 30, 41), (Self.now - 10, 42)]),
            Self.series("gpu_temperature_celsius", labels: ["sensor": "soc"], [(Self.now - 30, 43)]),
        ])
        #expect(window.current.map { $0.labels["sensor"] ?? $0.name }.sorted() == ["cpu", "gpu", "gpu_utilization_percent"])
    }

    @Test func aTargetPrometheusScrapesIsGoneWhenItsLastScrapeFailedOrItsUpIsOld() {
        let gpu = Self.series("gpu_utilization_percent", [(Self.now - 25, 1)])
        let host = Self.series("node_load1", job: "node", [(Self.now - 25, 0.5)])
        let up = { (job: String, points: [(Double, Double)]) in Self.series("up", job: job, points) }
        // The jetson exporter's target failed its last scrape; node-exporter's answered 3 s ago.
        let failed = Self.window([gpu, host, up("gpu", [(Self.now - 25, 1), (Self.now - 3, 0)]), up("node", [(Self.now - 3, 1)])])
        #expect(failed.current.map(\.name) == ["node_load1"])
        // Both targets' `up` older than goneAfter (20 s): they went, and Prometheus marked their series stale.
        #expect(Self.window([gpu, host, up("gpu", [(Self.now - 25, 1)]), up("node", [(Self.now - 21, 1)])]).current.isEmpty)
        // A Pushgateway's group is scraped while it exists: deleted, its series stop.
        let push = Self.series("push_time_seconds", [(Self.now - 25, Self.now - 30)])
        #expect(Self.window([gpu, push]).current.isEmpty)
        #expect(Self.window([gpu, push], now: Self.now - 10).current.count == 2)
        // Without an `up` of the node's or a push (a rack, federation), series are current for the window.
        #expect(Self.window([gpu, host]).current.count == 2)
        #expect(!Self.window([gpu, host]).current.contains { $0.name == "up" })
    }

    @Test func aSeriesMarkedStaleIsGoneButARealNaNIsAnUnknownReading() {
        // VictoriaMetrics returns staleness markers among raw samples: a millisecond after the scrape that left a
        // series out, or at a failed scrape's time for every series of the target.
        let left = [Self.series("gpu_utilization_percent", [(Self.now - 10, 1), (Self.now - 5, 2)]),
                    Self.series("gpu_temperature_celsius", [(Self.now - 10, 40), (Self.now - 4.999, .nan)])]
        #expect(Self.window(left).current.map(\.name) == ["gpu_utilization_percent"])
        let failed = [Self.series("gpu_utilization_percent", [(Self.now - 10, 1), (Self.now - 5, .nan)]),
                      Self.series("gpu_temperature_celsius", [(Self.now - 10, 40), (Self.now - 5, .nan)])]
        #expect(Self.window(failed).current.isEmpty)
        // A NaN at the scrape's own time, beside the other series' readings, is what the exporter wrote.
        let reading = [Self.series("gpu_utilization_percent", [(Self.now - 10, 1), (Self.now - 5, .nan)]),
                       Self.series("gpu_temperature_celsius", [(Self.now - 10, 40), (Self.now - 5, 41)])]
        #expect(Self.window(reading).current.count == 2)
    }

    @Test func aPushedNodeIsAsFreshAsItsLastPushAndItsCountersReadByPushes() throws {
        let scrapes = [Self.now - 30, Self.now - 20, Self.now - 10]
        let pushes = [Self.now - 35, Self.now - 35, Self.now - 12]
        let window = Self.window([
            Self.series("push_time_seconds", Array(zip(scrapes, pushes))),
            Self.series("gpu_temperature_celsius", scrapes.map { ($0, 40) }),
            Self.series("node_cpu_seconds_total", labels: ["cpu": "0", "mode": "idle"], Array(zip(scrapes, [100, 100, 111.5]))),
            Self.series("node_load1", job: "node", [(Self.now - 2, 0.5)]),
        ])
        let freshness = window.freshness(heartbeats: ["gpu_temperature_celsius"])
        #expect(freshness.pushed == Self.now - 12 && freshness.scraped == Self.now - 10)
        let idle = try #require(window.current.first { $0.name == "node_cpu_seconds_total" })
        #expect(window.perSecond(idle) == 0.5, "11.5 s idle over the 23 s between the pushes")
        // The scraped node-exporter of another job is read by its scrapes.
        #expect(window.freshness(heartbeats: ["node_load1"]) == (Self.now - 2, nil))
    }

    @Test func ratesLeaveOutCountersWithOneSample() {
        let window = Self.window([
            Self.series("node_cpu_seconds_total", labels: ["cpu": "0", "mode": "idle"], [(Self.now - 10, 5), (Self.now - 5, 7.5)]),
            Self.series("node_cpu_seconds_total", labels: ["cpu": "1", "mode": "idle"], [(Self.now - 5, 7)]),
        ])
        let rates = window.rates(of: "node_cpu_seconds_total", as: "busy", valued: { 1 - $0 })
        #expect(rates.map { $0.labels["cpu"] } == ["0"])
        #expect(rates.first?.latest == .init(timestamp: Self.now - 5, value: 0.5))
        #expect(rates.first?.name == "busy")
    }
}
