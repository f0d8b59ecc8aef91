import Foundation
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// `simulate --faults`: each kind of board's problems appear while its fault is on and clear when it is off, read
/// through the exporters and Problems as the snapshot reads them; without --faults the pages are unchanged.
@Suite struct FaultSimulationTests {
    let fleet = SimulatedBoard.fleet(count: 6, mix: [(.jetson, 4), (.dcgm, 1), (.nvidiaSMI, 1)], faults: true)

    /// The problems of `board`'s pages (its exporter's and node-exporter's) at `time`, as "code gpuN|sensor".
    func problems(_ board: SimulatedBoard, at time: Double) throws -> [String] {
        let job = board.kind.exporter.targetLabels(node: board.node)["job"]!
        let page = { (text: String, job: String) in
            try ExpositionParser.parse(text, timestamp: time).map { series in
                Series(labels: series.labels.merging(["instance": board.node, "job": job]) { _, target in target }, points: series.points)
            }
        }
        let series = try page(board.render(at: time), job) + page(NodeExporterExposition.render(board, at: time), "node-exporter")
        let (exporter, readings) = try #require(ExporterRegistry.standard.describe(series))
        let node = NodeGPU(node: board.node, exporter: exporter.kind, status: .online, observedAt: nil, readings: readings)
        let health = Problems.health(of: node, signals: readings.signals, integrated: exporter.isIntegrated, thresholds: .standard)
        // Only the faults: the simulated hosts' own RAM and disk are fine, offline sensors are always offline.
        return health.problems.filter { $0.code != .sensorOffline }.map { "\($0.code.rawValue) \($0.gpu.map { "gpu\($0)" } ?? $0.sensor ?? "")" }
    }

    /// A time at which `board`'s fault is on, or off.
    func time(_ board: SimulatedBoard, on: Bool) -> Double {
        let start = 1_800_000_000.0
        return stride(from: start, to: start + Fault.period, by: 10).first { Fault.isOn(board, at: $0) == on }!
    }

    @Test func eachBoardsProblemsComeAndGo() throws {
        let expected: [SimulatedBoard.Kind: [String]] = [
            .xavierNX: ["board_hot gpu"], .agxOrin: ["board_hot gpu"], .orinNano: ["board_hot gpu"], .orinNX: ["board_hot gpu"],
            .a100: ["xid_error gpu1", "thermal_throttling gpu0"], .l40s: ["thermal_throttling gpu0"],
        ]
        for board in fleet {
            #expect(try problems(board, at: time(board, on: true)) == expected[board.kind], "\(board.node) with its fault on")
            #expect(try problems(board, at: time(board, on: false)) == [], "\(board.node) with its fault off")
        }
    }

    /// The A100's thermal violation counters (µs) grow only while its fault is on: GPU 0 all the time, GPU 1 a
    /// quarter of it (what the snapshot reads as 25 % of the time throttled, where the clock reasons say nothing).
    @Test func theThermalViolationCountersGrowWhileTheFaultIsOn() throws {
        let server = try #require(fleet.first { $0.kind == .a100 })
        let counters = { (time: Double) -> [Double] in
            try ExpositionParser.parse(server.render(at: time), timestamp: time)
                .filter { $0.name == DCGMExporter.thermalViolation }.sorted { $0.labels["gpu"]! < $1.labels["gpu"]! }.compactMap(\.latest?.value)
        }
        // Ten seconds with the fault on throughout, and ten with it off.
        let start = 1_800_000_000.0
        let on = try #require(stride(from: start, to: start + Fault.period, by: 10).first { Fault.isOn(server, at: $0) && Fault.isOn(server, at: $0 + 10) })
        let off = try #require(stride(from: start, to: start + Fault.period, by: 10).first { !Fault.isOn(server, at: $0) && !Fault.isOn(server, at: $0 + 10) })
        #expect(zip(try counters(on + 10), try counters(on)).map { ($0 - $1) / 10 } == [1_000_000, 250_000])
        #expect(try counters(off + 10) == counters(off))
        // A whole period later: one fault's length more.
        #expect(zip(try counters(off + Fault.period), try counters(off)).map { ($0 - $1) / Fault.lasting } == [1_000_000, 250_000])
    }

    @Test func faultsAreOnAFifthOfTheTimeAndNotAllAtOnce() {
        let times = stride(from: 0.0, to: Fault.period, by: 1).map { $0 }
        for board in fleet {
            let share = Double(times.filter { Fault.isOn(board, at: $0) }.count) / Double(times.count)
            #expect(abs(share - Fault.lasting / Fault.period) < 0.01)
        }
        #expect(fleet.map { Fault.isOn($0, at: 0) }.contains(false))
    }

    @Test func withoutFaultsThePagesAreUnchanged() {
        for board in SimulatedBoard.fleet(count: 6, mix: [(.jetson, 4), (.dcgm, 1), (.nvidiaSMI, 1)]) {
            var faulty = board
            faulty.faults = true
            let off = time(faulty, on: false)
            let page = board.render(at: off)
            #expect(!page.contains("CLOCKS_EVENT_REASONS") && !page.contains("XID") && !page.contains("VIOLATION") && !page.contains("clocks_event_reasons"))
        }
    }
}
