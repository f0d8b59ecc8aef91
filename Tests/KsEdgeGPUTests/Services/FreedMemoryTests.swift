import Synchronization
import Testing
@testable import KsEdgeGPU

#if canImport(Glibc)
@Suite struct FreedMemoryTests {
    /// On glibc (every Linux image ks-edge-gpu ships on) the refreshes really give freed memory back, rather than
    /// the lookup quietly finding nothing.
    @Test func glibcsTrimIsFound() {
        #expect(FreedMemory.canGiveBack)
        FreedMemory.giveBack()
    }
}
#endif

/// The largest answer the server reads, every node's range, gives its memory back once decoded; a page of named nodes
/// (what the console asks) does not pay for a trim.
@Suite struct FleetHistoryMemoryTests {
    final class Calls: Sendable {
        let count = Mutex(0)
    }

    @Test func everyNodesRangeGivesItsMemoryBackAndNamedNodesDoNot() async throws {
        let directory = try TemporaryDirectory()
        let store = try Inventory(path: directory.file("db.sqlite"), migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
        let source = FakeMetricsSource()
        source.answerRanges(with: [Series(labels: ["instance": "edge-1"], points: [.init(timestamp: 1_800_000_000, value: 50)])])
        let context = GPUContext(source: source, store: store, queries: GPUQueries(), freshness: Freshness(scrapeInterval: .seconds(60)),
                                 logger: TestApp.logger)
        let calls = Calls()
        let history = HistoryService(context: context, giveBackMemory: { calls.count.withLock { $0 += 1 } })
        let request = HistoryRequest(metrics: [.gpuUtilization], start: 1_800_000_000 - 300, end: 1_800_000_000, step: 30)

        _ = try await history.fleetHistory(request, of: NodeAlternation("edge-1|edge-2"))
        #expect(calls.count.withLock { $0 } == 0)
        _ = try await history.fleetHistory(request)
        #expect(calls.count.withLock { $0 } == 1)
        #expect(source.rangeQueries.count == 2)
    }
}
