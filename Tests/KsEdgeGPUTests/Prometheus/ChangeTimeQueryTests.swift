import Foundation
import Testing
@testable import KsEdgeGPU

/// When a board first showed a value, from raw samples: the first sample of the series that carries it, never the
/// old series' staleness marker, nothing before the search's start; and the query asks for raw samples only.
@Suite struct ChangeTimeQueryTests {
    let node = NodeName("edge-1")!
    let since = Date(timeIntervalSince1970: 1_000)

    func boardInfo(jetpack: String, _ times: [Double], staleAt: Double? = nil) -> Series {
        var points = times.map { Series.Point(timestamp: $0, value: 1) }
        if let staleAt { points.append(.init(timestamp: staleAt, value: .nan)) }
        return Series(labels: ["__name__": "gpu_info_board_info", "instance": "edge-1", "jetpack": jetpack, "l4t": "x", "machine": "m"], points: points)
    }

    func first(_ series: [Series], jetpack: String) -> Date? {
        ChangeTimeQuery(queries: GPUQueries(), node: node, since: since, now: since.addingTimeInterval(60))
            .firstShowing(series) { $0.board.jetpack == jetpack }
    }

    @Test func theFirstSampleOfTheNewSeriesNotTheOldOnesMarker() {
        let old = boardInfo(jetpack: "5.1.2", [1_001, 1_002, 1_003], staleAt: 1_004)
        let new = boardInfo(jetpack: "6.0", [1_004, 1_005])
        #expect(first([old, new], jetpack: "6.0") == Date(timeIntervalSince1970: 1_004))
        #expect(first([new, old], jetpack: "6.0") == Date(timeIntervalSince1970: 1_004), "whatever the answer's order")
        #expect(first([old, new], jetpack: "5.1.2") == Date(timeIntervalSince1970: 1_001))
        #expect(first([old], jetpack: "6.0") == nil)
    }

    @Test func samplesBeforeTheSearchStartDoNotCount() {
        let new = boardInfo(jetpack: "6.0", [990, 995, 1_000, 1_007])
        #expect(first([new], jetpack: "6.0") == Date(timeIntervalSince1970: 1_007))
    }

    @Test func theQueryIsRawSamplesOverTheSearchedRange() {
        let query = ChangeTimeQuery(queries: GPUQueries(), node: node, since: since, now: since.addingTimeInterval(59.2))
        let texts = query.promQL.map(\.text)
        #expect(texts.allSatisfy { $0.hasSuffix("[60s]") && $0.contains(#"instance="edge-1""#) })
        #expect(texts.contains { $0.contains("gpu_info_board_info") } && texts.contains { $0.contains(#"ks_edge_gpu_source="""#) })
        #expect(!texts.joined().contains("("), "no function: Prometheus only reads samples")
    }
}
