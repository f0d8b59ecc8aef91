import Foundation
import Synchronization
import Testing
@testable import KsEdgeGPU

/// The live snapshot feeds behind the event streams: one loop per node for every subscriber, new snapshots only,
/// nothing left running once the subscribers are gone.
@Suite struct SnapshotFeedsTests {
    let node = NodeName("edge-agx-02")!

    func series(at time: Double) throws -> [Series] { try Fixtures.series("jetson-agx-orin.prom", node: node.rawValue, timestamp: time) }

    func feeds(_ source: FakeMetricsSource, database: String) throws
        -> (SnapshotFeeds<FakeMetricsSource, Inventory>, NodeSnapshotService<FakeMetricsSource, Inventory>) {
        let store = try Inventory(path: database, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
        let context = GPUContext(source: source, store: store, queries: GPUQueries(scrapeInterval: .seconds(1)),
                                 freshness: Freshness(scrapeInterval: .seconds(1)), logger: TestApp.logger)
        let snapshots = NodeSnapshotService(context: context)
        return (SnapshotFeeds(snapshots: snapshots, scrapeInterval: .seconds(1)), snapshots)
    }

    func nodeQueries(_ source: FakeMetricsSource) -> Int { source.queries.filter { $0.text.contains(node.rawValue) }.count }

    @Test func everySubscriberSharesOneLoopAndSeesOnlyNewSnapshots() async throws {
        let start = Date().timeIntervalSince1970
        let source = FakeMetricsSource(series: try series(at: start))
        let directory = try TemporaryDirectory()
        let (feeds, snapshots) = try feeds(source, database: directory.file("db.sqlite"))
        let current = try await snapshots.encodedSnapshot(node)
        // Prometheus scrapes again before the loop's first poll (due a second after the scrape interval).
        source.replace(try series(at: start + 1))
        let streams = await (0..<3).asyncMap { _ in await feeds.subscribe(node, current: current) }
        #expect(await feeds.watchedNodes == [node.rawValue])

        // Each subscriber reads on its own, as each stream's writer does; a stream keeps only the newest snapshot.
        let received = await withTaskGroup(of: [Date?].self) { group in
            for stream in streams {
                group.addTask {
                    var iterator = stream.makeAsyncIterator()
                    return [await iterator.next()?.value.observedAt, await iterator.next()?.value.observedAt]
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let expected = [Date(timeIntervalSince1970: (start * 1000).rounded() / 1000), Date(timeIntervalSince1970: ((start + 1) * 1000).rounded() / 1000)]
        for pair in received {
            #expect(pair.map { $0.map { ($0.timeIntervalSince1970 * 1000).rounded() } } == expected.map { ($0.timeIntervalSince1970 * 1000).rounded() })
        }
        // One query before subscribing, then the one loop's poll for all three subscribers (a second poll at most
        // if the test was slow to read).
        #expect((2...3).contains(nodeQueries(source)), "\(nodeQueries(source)) queries")
    }

    @Test func theLoopStopsWhenTheLastSubscriberLeaves() async throws {
        let source = FakeMetricsSource(series: try series(at: Date().timeIntervalSince1970))
        let directory = try TemporaryDirectory()
        let (feeds, snapshots) = try feeds(source, database: directory.file("db.sqlite"))
        let current = try await snapshots.encodedSnapshot(node)
        let readers = (0..<2).map { _ in
            Task {
                for await _ in await feeds.subscribe(node, current: current) {}
            }
        }
        for _ in 0..<40 where await feeds.watchedNodes.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        #expect(await feeds.watchedNodes == [node.rawValue])
        readers[0].cancel()
        try await Task.sleep(for: .milliseconds(200))
        #expect(await feeds.watchedNodes == [node.rawValue])
        readers[1].cancel()
        for _ in 0..<40 where await !feeds.watchedNodes.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        #expect(await feeds.watchedNodes.isEmpty)
        // Nothing asks Prometheus for the node once the loop has ended (a poll under way when it stopped may finish).
        await feeds.stoppedLoop?.value
        let after = nodeQueries(source)
        try await Task.sleep(for: .seconds(2.5))
        #expect(nodeQueries(source) == after)
    }

    /// The next poll is a second after the next scrape is due; once per interval for a node that is not online.
    @Test func pollsFollowTheScrapeInterval() throws {
        let now = Date(timeIntervalSince1970: 1_000)
        let source = FakeMetricsSource()
        let directory = try TemporaryDirectory()
        let store = try Inventory(path: directory.file("db.sqlite"), migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
        let context = GPUContext(source: source, store: store, queries: GPUQueries(), freshness: Freshness(scrapeInterval: .seconds(60)),
                                 logger: TestApp.logger)
        let feeds = SnapshotFeeds(snapshots: NodeSnapshotService(context: context), scrapeInterval: .seconds(60), now: { now })
        let snapshot = { (status: NodeStatus, observed: Double) in NodeGPU(node: "n", exporter: .jetson, status: status, observedAt: Date(timeIntervalSince1970: observed)) }
        #expect(feeds.nextDelay(after: snapshot(.online, 980)) == .seconds(41))
        #expect(feeds.nextDelay(after: snapshot(.online, 900)) == .seconds(10))
        #expect(feeds.nextDelay(after: snapshot(.stale, 100)) == .seconds(60))
        #expect(feeds.nextDelay(after: nil) == .seconds(60))
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
