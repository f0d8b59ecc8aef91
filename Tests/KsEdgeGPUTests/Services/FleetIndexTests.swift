import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// The index's presorted orders, filters and pages against the plain way: filter, sort, page.
@Suite struct FleetIndexTests {
    /// The plain answer to `request`: every matching row, sorted, then paged.
    static func reference(_ request: FleetRequest, _ items: [FleetList.Item]) -> FleetList {
        let sorted = items.filter(request.matches).sorted(by: request.areInOrder)
        let page = request.page(of: sorted)
        return FleetList(items: Array(page.rows), totalItems: page.total)
    }

    /// Fleets with ties and unknowns in every column, and requests of every kind.
    static let fleets = Generator<[FleetList.Item], Shrink.None<[FleetList.Item]>>(run: { rng in
        let count = Int.random(in: 0...60, using: &rng)
        let names = Set((0..<count).map { _ in "node-\(Int.random(in: 0..<200, using: &rng))" })
        func value(_ range: ClosedRange<Int>) -> Double? {
            Int.random(in: 0..<4, using: &rng) == 0 ? nil : Double(Int.random(in: range, using: &rng))
        }
        return names.map { name in
            FleetList.Item(
                node: name, exporter: [ExporterKind.jetson, .dcgm, .nvidiaSMI, nil].randomElement(using: &rng)!,
                status: NodeStatus.allCases.randomElement(using: &rng)!,
                model: ["NVIDIA Jetson AGX Orin", "NVIDIA A100 80GB PCIe", "NVIDIA L40S", nil].randomElement(using: &rng)!,
                gpuUtilizationPercent: value(0...10).map { $0 * 10 }, gpuTemperatureCelsius: value(40...45), powerWatts: value(0...3),
                memoryUtilizationPercent: value(0...5), lastSeen: value(0...5).map { Date(timeIntervalSince1970: 1000 + $0) })
        }
    })

    static let requests = Generator<FleetRequest, Shrink.None<FleetRequest>>(run: { rng in
        var request = FleetRequest(sortBy: FleetRequest.SortKey.allCases.randomElement(using: &rng)!, ascending: Bool.random(using: &rng))
        if Bool.random(using: &rng) {
            request.paging.limit = Int.random(in: 1...25, using: &rng)
            request.paging.page = Int.random(in: 1...6, using: &rng)
        }
        if Int.random(in: 0..<3, using: &rng) == 0 { request.statuses = Set(NodeStatus.allCases.filter { _ in Bool.random(using: &rng) }) }
        if Int.random(in: 0..<3, using: &rng) == 0 { request.exporters = Set(ExporterKind.allCases.filter { _ in Bool.random(using: &rng) }) }
        if Int.random(in: 0..<4, using: &rng) == 0 { request.model = ["orin", "A100", "nvidia", "zzz"].randomElement(using: &rng)! }
        if Int.random(in: 0..<4, using: &rng) == 0 { request.text = ["1", "node-1", "NODE", "9"].randomElement(using: &rng)! }
        return request
    })

    @Test func everyAnswerIsTheFilteredSortedPage() async throws {
        await propertyCheck(count: 400, input: Self.fleets, Self.requests, perform: failingOnThrow { items, request in
            let index = try FleetIndex(items: items, origin: .prometheus, readAt: nil)
            let expected = Self.reference(request, items)
            #expect(index.select(request) == expected, "\(request)")
            let encoded = try index.answer(request)
            #expect(try JSONCoding.decoder.decode(FleetList.self, from: Data(buffer: encoded.body)) == expected)
        })
    }

    @Test func aViewAskedAgainIsTheSameEncodedAnswer() throws {
        let items = (0..<30).map { FleetList.Item(node: "n\($0)", exporter: .jetson, status: .online, model: nil,
                                                 gpuUtilizationPercent: Double($0), gpuTemperatureCelsius: nil, powerWatts: nil, lastSeen: nil) }
        let index = try FleetIndex(items: items, origin: .prometheus, readAt: nil)
        let view = FleetRequest(sortBy: .gpuUtilizationPercent, ascending: false, page: 2, limit: 5)
        let first = try index.answer(view)
        #expect(first.value.items.map(\.node) == ["n24", "n23", "n22", "n21", "n20"])
        // The very same buffer: kept, not encoded again.
        #expect(try index.answer(view).body.readableBytesView.withContiguousStorageIfAvailable { $0.baseAddress }
            == first.body.readableBytesView.withContiguousStorageIfAvailable { $0.baseAddress })
    }

    @Test func theSummaryIsOfTheWholeFleet() throws {
        let items = [
            FleetList.Item(node: "a", exporter: .jetson, status: .online, model: nil, gpuUtilizationPercent: 20, gpuTemperatureCelsius: 50,
                           powerWatts: 10, lastSeen: Date(timeIntervalSince1970: 100)),
            FleetList.Item(node: "b", exporter: .dcgm, status: .stale, model: nil, gpuUtilizationPercent: 90, gpuTemperatureCelsius: 80,
                           powerWatts: 300, lastSeen: Date(timeIntervalSince1970: 50)),
        ]
        let index = try FleetIndex(items: items, origin: .prometheus, readAt: nil)
        #expect(index.summary.value == FleetSummary(FleetList(items: items, totalItems: 2)))
        #expect(index.summary.value.nodes == .init(total: 2, online: 1, stale: 1, offline: 0))
        #expect(index.newestData == Date(timeIntervalSince1970: 100))
        #expect(!index.isStale)
    }

    /// A failed refresh vouches for nothing: online rows turn stale; the values, offline rows and read time stay.
    @Test func aKeptIndexHasNoOnlineRows() throws {
        let read = Date(timeIntervalSince1970: 5000)
        let items = [NodeStatus.online, .stale, .offline].enumerated().map { number, status in
            FleetList.Item(node: "n\(number)", exporter: .jetson, status: status, model: "m", gpuUtilizationPercent: Double(number),
                           gpuTemperatureCelsius: nil, powerWatts: nil, lastSeen: read)
        }
        let index = try FleetIndex(items: items, origin: .prometheus, readAt: read)
        #expect(!index.isStale)
        let kept = try index.keptAfterFailedRefresh()
        #expect(kept.origin == .kept)
        #expect(kept.readAt == read)
        #expect(kept.fleet.items.map(\.status) == [.stale, .stale, .offline])
        #expect(kept.fleet.items.map(\.gpuUtilizationPercent) == [0, 1, 2])
        #expect(kept.isStale)
        #expect(kept.summary.value.nodes.online == 0)
        #expect(try kept.keptAfterFailedRefresh() === kept)
    }

    /// The view prepared with each index is the page's own first view.
    @Test func thePreparedPageViewIsThePagesDefault() throws {
        let script = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Public/js/fleet.js"), encoding: .utf8)
        let limit = try #require(script.firstMatch(of: /export const DEFAULT_LIMIT = (\d+);/)).output.1
        #expect(Int(limit) == FleetIndex.pageLimit)
        #expect(FleetIndex.preparedViews.contains(FleetRequest(sortBy: .node, ascending: true, page: 1, limit: Int(limit))))
    }
}
