import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import KsEdgeGPU

@Suite struct ResponseCacheTests {
    final class Calls: Sendable {
        let count = Atomic<Int>(0)
        func next() -> Int { count.add(1, ordering: .relaxed).newValue }
        var value: Int { count.load(ordering: .relaxed) }
    }

    @Test func concurrentCallersShareOneComputation() async throws {
        let cache = ResponseCache<Int>(name: "test", ttl: .zero)
        let calls = Calls()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    try await cache.value(for: "k") {
                        try await Task.sleep(for: .milliseconds(200))
                        return calls.next()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(calls.value == 1)
        #expect(results == Array(repeating: 1, count: 32))
    }

    /// Keys asked once (a history with its own `start`) must not pile up: expired answers are dropped about once a
    /// TTL, however few keys there are.
    @Test func expiredAnswersAreDroppedNotKept() async throws {
        let cache = ResponseCache<[UInt8]>(name: "test", ttl: .milliseconds(100))
        for key in 0..<200 { _ = try await cache.value(for: "history?start=\(key)") { [UInt8](repeating: 0, count: 1024) } }
        // However long the inserts took (a busy machine may prune part way), all 200 have expired after this.
        try await Task.sleep(for: .milliseconds(1200))
        _ = try await cache.value(for: "history?start=new") { [] }
        #expect(await cache.count == 1)
    }

    @Test func answersAreReusedWithinTheTTL() async throws {
        let cache = ResponseCache<Int>(name: "test", ttl: .seconds(60))
        let calls = Calls()
        _ = try await cache.value(for: "k") { calls.next() }
        let second = try await cache.value(for: "k") { calls.next() }
        let other = try await cache.value(for: "other") { calls.next() }
        #expect(second == 1)
        #expect(other == 2)
    }

    @Test func zeroTTLKeepsNothing() async throws {
        let cache = ResponseCache<Int>(name: "test", ttl: .zero)
        let calls = Calls()
        _ = try await cache.value(for: "k") { calls.next() }
        #expect(try await cache.value(for: "k") { calls.next() } == 2)
    }

    @Test func failuresAreSharedButNotKept() async throws {
        let cache = ResponseCache<Int>(name: "test", ttl: .seconds(60))
        let calls = Calls()
        await #expect(throws: UpstreamError.self) {
            try await cache.value(for: "k") {
                _ = calls.next()
                throw UpstreamError.unreachable("down")
            }
        }
        #expect(try await cache.value(for: "k") { calls.next() } == 2)
    }

    @Test func concurrentRequestsForOneNodeCauseOneQuery() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource(series: try Fixtures.series("jetson-agx-orin.prom", node: "edge-agx-02"), delay: .milliseconds(300))
        FleetAnswers.install([.init(node: "edge-agx-02", utilization: 76.3)], into: source)
        var configuration = TestApp.configuration(database: directory.file("db.sqlite"))
        configuration.cacheTTL = .seconds(5)
        let app = try await buildApplication(configuration, source: source, logger: TestApp.logger)
        try await app.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<16 {
                    group.addTask { try await client.execute(uri: "/edge/nodes/edge-agx-02/gpu", method: .get) { $0.status } }
                    group.addTask { try await client.execute(uri: "/edge/nodes", method: .get) { $0.status } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            #expect(source.queries.filter { $0.text.contains("edge-agx-02") }.count == 1)
            // One round of the fleet's three queries, not sixteen.
            let fleet = GPUQueries().fleet.promQL
            #expect(source.queries.filter { fleet.contains($0) }.count == ExporterRegistry.standard.exporters.count + 1)
        }
    }
}
