import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

@Suite struct FleetRequestTests {
    /// 12 nodes: jetson, dcgm and nvidia-smi in turn; load = 10 × index except every fourth unknown.
    let fleet: FleetList = {
        let items = (0..<12).map { index in
            FleetList.Item(
                node: "node-\(String(format: "%02d", index))",
                exporter: [ExporterKind.jetson, .dcgm, .nvidiaSMI][index % 3],
                status: index == 5 ? .offline : index == 7 ? .stale : .online,
                model: index % 3 == 0 ? "NVIDIA Jetson AGX Orin" : "NVIDIA A100",
                gpuUtilizationPercent: index % 4 == 3 ? nil : Double(index * 10),
                gpuTemperatureCelsius: Double(40 + index), powerWatts: Double(100 - index),
                lastSeen: Date(timeIntervalSince1970: Double(1000 + index)))
        }
        return FleetList(items: items, totalItems: items.count)
    }()

    func apply(_ parameters: [String: String]) throws -> FleetList {
        try FleetIndex(items: fleet.items, origin: .prometheus, readAt: nil).select(FleetRequest.parse(parameters))
    }

    @Test func noParametersListsEverythingByName() throws {
        let result = try apply([:])
        #expect(result.items.map(\.node) == fleet.items.map(\.node))
        #expect(result.totalItems == 12)
    }

    @Test func filtersCombine() throws {
        #expect(try apply(["exporter": "dcgm"]).items.map(\.node) == ["node-01", "node-04", "node-07", "node-10"])
        #expect(try apply(["exporter": "dcgm", "status": "online"]).items.map(\.node) == ["node-01", "node-04", "node-10"])
        #expect(try apply(["status": "offline,stale"]).items.map(\.node) == ["node-05", "node-07"])
        #expect(try apply(["model": "orin"]).totalItems == 4)
        #expect(try apply(["q": "DE-1"]).items.map(\.node) == ["node-10", "node-11"])
    }

    @Test func numericColumnsSortLargestFirstWithUnknownLast() throws {
        let nodes = try apply(["sortBy": "gpuUtilizationPercent"]).items
        #expect(nodes.prefix(3).map(\.node) == ["node-10", "node-09", "node-08"])
        #expect(nodes.suffix(3).allSatisfy { $0.gpuUtilizationPercent == nil })
        let ascending = try apply(["sortBy": "gpuUtilizationPercent", "ascending": "true"]).items
        #expect(ascending.first?.node == "node-00")
        #expect(ascending.suffix(3).allSatisfy { $0.gpuUtilizationPercent == nil })
        #expect(try apply(["sortBy": "powerWatts", "ascending": "true"]).items.first?.node == "node-11")
        #expect(try apply(["sortBy": "lastSeen"]).items.first?.node == "node-11")
        #expect(try apply(["sortBy": "node", "ascending": "false"]).items.first?.node == "node-11")
    }

    @Test func pagesCountTheWholeMatch() throws {
        let second = try apply(["page": "2", "limit": "5"])
        #expect(second.items.map(\.node) == ["node-05", "node-06", "node-07", "node-08", "node-09"])
        #expect(second.totalItems == 12)
        #expect(try apply(["page": "3", "limit": "5"]).items.count == 2)
        #expect(try apply(["page": "9", "limit": "5"]).items.isEmpty)
        // page × limit past any integer is still just a page past the end.
        for far in [Int.max, Int.max / 10_000 + 1] {
            let beyond = try apply(["page": String(far), "limit": "10000"])
            #expect(beyond.items.isEmpty && beyond.totalItems == 12)
        }
        #expect(try apply(["page": "1"]).items.count == FleetRequest.defaultLimit)
    }

    @Test(arguments: [
        ("status", "asleep"), ("exporter", "rocm"), ("sortBy", "uptime"), ("ascending", "yes"),
        ("page", "0"), ("page", "x"), ("limit", "0"), ("limit", "10001"),
    ])
    func badValuesAre400s(name: String, value: String) {
        #expect { try FleetRequest.parse([name: value]) } throws: { error in
            (error as? APIError)?.status == .badRequest && (error as? APIError)?.message.contains("'\(name)'") == true
        }
    }

    @Test func routeAppliesTheQuery() async throws {
        let series = try Fixtures.series("jetson-agx-orin.prom", node: "edge-a") + Fixtures.series("jetson-xavier-nx.prom", node: "edge-b")
            + Fixtures.series("nvidia-smi-exporter.prom", node: "gpu-c")
        let source = FakeMetricsSource(series: series)
        FleetAnswers.install([
            .init(node: "edge-a", utilization: 76.3), .init(node: "edge-b", utilization: 47.8),
            .init(node: "gpu-c", exporter: .nvidiaSMI, utilization: 9),
        ], into: source)
        try await TestApp.withRouter(source) { client, database in
            let (_, list, _) = try await client.get("/edge/nodes?exporter=jetson&sortBy=gpuUtilizationPercent&limit=1&page=1", as: FleetList.self)
            #expect(list?.items.map(\.node) == ["edge-a"])
            #expect(list?.totalItems == 2)
            let (status, _, error) = try await client.get("/edge/nodes?sortBy=uptime", as: FleetList.self)
            #expect(status == .badRequest)
            #expect(error?.error.code == "invalid_parameter")
        }
    }
}
