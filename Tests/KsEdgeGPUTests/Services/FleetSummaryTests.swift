import Foundation
import Testing
@testable import KsEdgeGPU

/// The fleet in a few numbers: counts by status, and GPU figures over online nodes only.
@Suite struct FleetSummaryTests {
    func item(_ node: String, _ status: NodeStatus, load: Double? = nil, celsius: Double? = nil, watts: Double? = nil) -> FleetList.Item {
        FleetList.Item(node: node, exporter: .jetson, status: status, model: nil, gpuUtilizationPercent: load,
                       gpuTemperatureCelsius: celsius, powerWatts: watts, lastSeen: nil)
    }

    @Test func countsAndOnlineFigures() {
        let summary = FleetSummary(FleetList(items: [
            item("a", .online, load: 10, celsius: 50, watts: 5.5),
            item("b", .online, load: 30.5, celsius: 70, watts: nil),
            item("c", .online),
            item("d", .stale, load: 99, celsius: 99, watts: 400),
            item("e", .offline),
        ], totalItems: 5))
        #expect(summary.nodes == .init(total: 5, online: 3, stale: 1, offline: 1))
        #expect(summary.meanGPUUtilizationPercent == 20.25)
        #expect(summary.hottestGPU == .init(node: "b", celsius: 70))
        #expect(summary.totalPowerWatts == 5.5)
        #expect(summary.nodesWithPower == 1)
    }

    /// Nothing online that reports a value: unknown, never 0.
    @Test func unknownIsNullNotZero() throws {
        let summary = FleetSummary(FleetList(items: [item("a", .online), item("b", .stale, load: 50, celsius: 60, watts: 10)], totalItems: 2))
        #expect(summary.meanGPUUtilizationPercent == nil && summary.hottestGPU == nil && summary.totalPowerWatts == nil)
        let json = try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(summary)) as? [String: Any]
        #expect(json?["hottestGPU"] is NSNull && json?["totalPowerWatts"] is NSNull && json?["meanGPUUtilizationPercent"] is NSNull)
        #expect(FleetSummary(FleetList(items: [], totalItems: 0)).nodes == .init(total: 0, online: 0, stale: 0, offline: 0))
    }
}
