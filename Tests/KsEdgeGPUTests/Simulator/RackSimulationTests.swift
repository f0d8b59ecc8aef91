import Foundation
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// `simulate --nodes-per-target`: a rack page holds each board's samples labelled with its node, every family written
/// once, and reads back as the boards' own pages do.
@Suite struct RackSimulationTests {
    let boards = SimulatedBoard.fleet(count: 3, mix: [(.jetson, 1)])

    @Test func aRackIsEachBoardsPageWithItsNodeAsInstance() throws {
        let time = 1_800_000_000.0
        let rack = RackPage.merge(boards.map { ($0.node, Substring($0.render(at: time))) })
        let types = rack.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(Set(types).count == types.count, "each family's TYPE once")
        let merged = try ExpositionParser.parse(rack, timestamp: time)
        for board in boards {
            let own = try ExpositionParser.parse(board.render(at: time), timestamp: time)
            let mine = merged.filter { $0.labels["instance"] == board.node }
            #expect(mine.count == own.count, "\(board.node)")
            #expect(Set(mine.map { $0.labels.filter { $0.key != "instance" } }) == Set(own.map(\.labels)))
        }
        #expect(merged.allSatisfy { $0.labels["instance"] != nil })
        // What the snapshot reads of a rack's board is what it reads of the board's own page.
        let node = boards[1].node
        let own = try ExpositionParser.parse(boards[1].render(at: time), timestamp: time).map { series in
            Series(labels: series.labels.merging(["instance": node]) { _, new in new }, points: series.points)
        }
        #expect(ExporterRegistry.standard.describe(merged.filter { $0.labels["instance"] == node })?.readings
                == ExporterRegistry.standard.describe(own)?.readings)
    }

    @Test func aSampleWithoutLabelsGainsItsNode() {
        #expect(RackPage.labelled("gpu_usage_gpu 47.8", #"instance="n""#) == #"gpu_usage_gpu{instance="n"} 47.8"#)
        #expect(RackPage.labelled(#"x{a="1"} 2"#, #"instance="n""#) == #"x{instance="n",a="1"} 2"#)
        #expect(RackPage.labelled("x{} 2", #"instance="n""#) == #"x{instance="n"} 2"#)
    }
}
