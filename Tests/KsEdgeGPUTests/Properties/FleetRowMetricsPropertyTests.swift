import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// The console's node-level metrics from a fleet row (what the node list and the cluster's totals of now are answered
/// from) are what the node's own snapshot gives, whatever its GPUs read.
@Suite struct FleetRowMetricsPropertyTests {
    /// 1 to 8 GPUs with a load reading; memory known on some, both used and installed (as every exporter reports it).
    static let snapshots = Generator<NodeGPU, Shrink.None<NodeGPU>>(run: { rng in
        let gpus = (0..<Int.random(in: 1...8, using: &rng)).map { index in
            let memory = Bool.random(using: &rng)
            let total = Double(Int.random(in: 1...80, using: &rng)) * 1_073_741_824
            return NodeGPU.GPU(index: index, utilizationPercent: Double(Int.random(in: 0...1000, using: &rng)) / 10,
                               memoryUsedBytes: memory ? (total * Double.random(in: 0...1, using: &rng)).rounded() : nil,
                               memoryTotalBytes: memory ? total : nil)
        }
        var readings = NodeReadings()
        readings.gpus = gpus
        return NodeGPU(node: "node-a", exporter: .dcgm, status: .online, observedAt: Date(timeIntervalSince1970: 1_795_000_000),
                       readings: readings)
    })

    @Test func aRowSaysWhatItsSnapshotSays() async {
        await propertyCheck(count: 1000, input: Self.snapshots, perform: failingOnThrow { snapshot in
            let fromSnapshot = NodeFrame(snapshot, at: 1_795_000_000)
            let row = FleetList.Item(snapshot, status: .online, inventoryModel: nil, lastSeen: snapshot.observedAt)
            let fromRow = try #require(NodeFrame(row))
            #expect(fromRow.time == fromSnapshot.time)
            for metric in FleetRowMetrics.answered {
                let (expected, found) = (fromSnapshot.values(metric), fromRow.values(metric))
                #expect(Set(expected.keys) == Set(found.keys), "\(metric)")
                for (labels, value) in expected {
                    // The row keeps the mean load, not each GPU's: the sum comes back within rounding.
                    #expect(abs((found[labels] ?? .nan) - value) <= 1e-9 * max(1, abs(value)), "\(metric): \(value) vs \(found[labels] ?? .nan)")
                }
            }
        })
    }

    /// A node with no GPU load reading has no node-level GPU series, never a 0.
    @Test func noLoadNoSeries() throws {
        let row = FleetList.Item(node: "edge-a", exporter: .jetson, status: .online, model: nil, gpuUtilizationPercent: nil,
                                 gpuTemperatureCelsius: 50, powerWatts: nil, lastSeen: Date(timeIntervalSince1970: 1_795_000_000))
        let frame = try #require(NodeFrame(row))
        #expect(FleetRowMetrics.answered.allSatisfy { frame.values($0).isEmpty })
        var offline = row
        offline.status = .offline
        #expect(FleetRowMetrics.frames([offline]).isEmpty)
        #expect(FleetRowMetrics.frames([row]).keys.sorted() == ["edge-a"])
    }
}
