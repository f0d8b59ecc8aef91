import Foundation
import Testing
@testable import KsEdgeGPU

/// When a problem opened or closed, from its signal evaluated on the scrape interval's grid: the grid is aligned to the
/// epoch (so replicas asking at different moments evaluate the same instants), an opening is the start of the run that
/// holds now, a closing the instant after the last run, and only the same severity, GPU and sensor count.
@Suite struct ProblemTimeQueryTests {
    let node = NodeName("edge-1")!
    let queries = GPUQueries(scrapeInterval: .seconds(15))

    func query(sighted: Double, now: Double) -> ProblemTimeQuery {
        ProblemTimeQuery(queries: queries, thresholds: .standard, node: node, exporter: .jetson, code: .boardHot,
                         sighted: Date(timeIntervalSince1970: sighted), now: Date(timeIntervalSince1970: now), lookback: 300)
    }

    /// The Jetson collector's sensor `gpu` at `celsius` on each of `instants`.
    func gpuSensor(_ readings: [(Double, Double)]) -> Series {
        Series(labels: ["instance": "edge-1", "sensor": "gpu"], points: readings.map { Series.Point(timestamp: $0.0, value: $0.1) })
    }

    @Test func theGridIsTheScrapeIntervalAlignedToTheEpoch() {
        let one = query(sighted: 1_000_007, now: 1_000_101)
        let other = query(sighted: 1_000_013, now: 1_000_104)
        #expect(one.step == 15 && one.end == 1_000_095 && one.start == 999_705)
        #expect(other.end == one.end && other.start == one.start, "two replicas a few seconds apart ask for the same instants")
        // The Jetson collector's sensors and node-exporter's thermal zones both tell board_hot.
        #expect(one.promQL.count == 2 && one.promQL.allSatisfy { $0.text.contains(#"instance="edge-1""#) })
    }

    @Test func anOpeningIsTheStartOfTheRunThatHoldsNow() {
        let q = query(sighted: 1_000_080, now: 1_000_101)
        // Hot (warning) at 1000020-1000035, cool, then hot again from 1000065 on.
        let series = gpuSensor([(1_000_005, 60), (1_000_020, 92), (1_000_035, 93), (1_000_050, 70), (1_000_065, 91), (1_000_080, 91.5), (1_000_095, 92)])
        #expect(q.opened([series], severity: .warning, gpu: nil, sensor: "gpu") == Date(timeIntervalSince1970: 1_000_065))
        #expect(q.opened([series], severity: .warning, gpu: nil, sensor: "cpu") == nil, "another sensor")
        #expect(q.opened([series], severity: .critical, gpu: nil, sensor: "gpu") == nil, "another severity")
        // The newest instants not searchable yet: the run still holds now.
        let lagging = gpuSensor([(1_000_050, 70), (1_000_065, 91)])
        #expect(q.opened([lagging], severity: .warning, gpu: nil, sensor: "gpu") == Date(timeIntervalSince1970: 1_000_065))
        // Cooled four instants ago: not open, and closed the instant after its last hot one.
        let cooled = gpuSensor([(1_000_020, 92), (1_000_035, 93), (1_000_050, 40), (1_000_065, 40), (1_000_080, 40), (1_000_095, 40)])
        #expect(q.opened([cooled], severity: .warning, gpu: nil, sensor: "gpu") == nil)
        #expect(q.closed([cooled], severity: .warning, gpu: nil, sensor: "gpu") == Date(timeIntervalSince1970: 1_000_050))
        #expect(q.closed([series], severity: .warning, gpu: nil, sensor: "gpu") == nil, "still open")
    }
}
