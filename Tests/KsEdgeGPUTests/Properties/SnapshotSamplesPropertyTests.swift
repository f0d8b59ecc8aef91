import Foundation
import PropertyBased
import Synchronization
import Testing
@testable import KsEdgeGPU

/// A scraped node's snapshot decodes only each series' newest readings (`SamplesRead.newestReadings`): it says exactly
/// what the whole window says, through missed scrapes, NaN samples, counter resets and single samples.
@Suite struct SnapshotSamplesPropertyTests {
    static let now = 1_795_000_000.0
    static let node = "edge-1"

    /// An exporter page and node-exporter's real page, each target scraped one to five times 15 s apart, each series
    /// missing some scrapes and NaN at others, gauges moving, counters growing and sometimes reset; each target's `up`.
    static let window = Generator<[Series], Shrink.None<[Series]>>(run: { rng in
        let page = Fixtures.exporterPages.randomElement(using: &rng)!
        let host = try! ExpositionParser.parse(String(contentsOfFile: Fixtures.nodeExporterPage, encoding: .utf8), timestamp: now).map {
            Series(labels: $0.labels.merging(["instance": node, "job": "node-exporter"]) { page, _ in page }, points: $0.points)
        }
        var series: [Series] = []
        for (job, target) in [(Fixtures.job(of: page), try! Fixtures.series(page, node: node, timestamp: now)), ("node-exporter", host)] {
            let scrapes = (0..<Int.random(in: 1...5, using: &rng)).map { now - 15 * Double($0) - Double(Int.random(in: 0...2000, using: &rng)) / 1000 }
                .reversed()
            series.append(Series(labels: ["__name__": "up", "instance": node, "job": job], points: scrapes.map { .init(timestamp: $0, value: 1) }))
            for entry in target {
                let counter = entry.name.hasSuffix("_total")
                var value = entry.points[0].value
                var points: [Series.Point] = []
                for time in scrapes {
                    switch Int.random(in: 0..<8, using: &rng) {
                    case 0: continue
                    case 1: points.append(.init(timestamp: time, value: .nan)); continue
                    case 2 where counter: value = Double.random(in: 0...max(value, 1), using: &rng)
                    case 3, 4: value = counter ? value + Double.random(in: 0...1e6, using: &rng) : value * Double.random(in: 0.5...1.5, using: &rng)
                    default: break
                    }
                    points.append(.init(timestamp: time, value: value))
                }
                if !points.isEmpty { series.append(Series(labels: entry.labels, points: points)) }
            }
        }
        return series.shuffled(using: &rng)
    })

    final class Dropped: Sendable {
        let points = Mutex(0)
    }

    @Test func aScrapedNodeReadsTheSameFromItsNewestReadings() async throws {
        let query = GPUQueries().snapshot(try #require(NodeName(Self.node)), scraped: true)
        #expect(query.samplesRead == .newestReadings)
        let dropped = Dropped()
        await propertyCheck(count: 300, input: Self.window, perform: failingOnThrow { series in
            var samples = query.samples
            for entry in series { samples.add(entry) }
            #expect(samples.series.map(\.labels) == series.map(\.labels))
            dropped.points.withLock { $0 += series.map(\.points.count).reduce(0, +) - samples.series.map(\.points.count).reduce(0, +) }
            let at = Date(timeIntervalSince1970: Self.now + 1)
            let whole = query.decode(series, now: at), newest = query.decode(samples.series, now: at)
            #expect(whole?.exporter == newest?.exporter)
            #expect(whole?.readings == newest?.readings)
            #expect(whole?.observedAt == newest?.observedAt && whole?.pushed == newest?.pushed)
        })
        // The windows held older samples than the snapshot reads, and they were left out.
        #expect(dropped.points.withLock { $0 } > 0)
    }

    /// A node not known to be scraped may be pushed: its counters' rates span its last two pushes, so it reads all.
    @Test func aNodeNotKnownToBeScrapedReadsEverySample() throws {
        let query = GPUQueries().snapshot(try #require(NodeName(Self.node)), scraped: false)
        let series = Series(labels: ["__name__": "DCGM_FI_PROF_PCIE_TX_BYTES"],
                            points: (0..<5).map { .init(timestamp: Self.now + Double($0), value: Double($0)) })
        var samples = query.samples
        samples.add(series)
        #expect(samples.series == [series])
    }

    /// Push times are read whole whatever the node, and a series with fewer than two readings keeps what it has.
    @Test func pushTimesAndSeriesWithoutTwoReadingsAreKeptWhole() {
        let points: [Series.Point] = [.init(timestamp: 1, value: 1), .init(timestamp: 2, value: 2), .init(timestamp: 3, value: 3)]
        let push = Series(labels: ["__name__": CounterRate.pushTimeFamily], points: points)
        #expect(SamplesRead.newestReadings.applied(to: push) == push)
        let gauge = Series(labels: ["__name__": "gpu_usage_gpu"], points: points + [.init(timestamp: 4, value: .nan)])
        #expect(SamplesRead.newestReadings.applied(to: gauge).points.map(\.timestamp) == [2, 3, 4])
        let lonely = Series(labels: ["__name__": "gpu_usage_gpu"], points: [.init(timestamp: 1, value: .nan), .init(timestamp: 2, value: 5)])
        #expect(SamplesRead.newestReadings.applied(to: lonely).points.count == 2)
    }
}
