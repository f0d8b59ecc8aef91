import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
@testable import KsEdgeGPU

/// The fleet index's refreshes: one at a time, a constant number of queries, failures that keep what there was.
@Suite struct FleetIndexServiceTests {
    let now = Date().timeIntervalSince1970
    let fleetQueries = Set(GPUQueries().fleet.promQL)

    func service(_ source: FakeMetricsSource, store: Inventory, interval: Duration = .seconds(3600)) -> FleetIndexService<FakeMetricsSource, Inventory> {
        let context = GPUContext(source: source, store: store, queries: GPUQueries(), freshness: Freshness(scrapeInterval: .seconds(60)),
                                 logger: TestApp.logger, now: { [now] in Date(timeIntervalSince1970: now) })
        return FleetIndexService(fleet: FleetService(context: context), interval: interval)
    }

    func store(_ directory: borrowing TemporaryDirectory) throws -> Inventory {
        try Inventory(path: directory.file("db.sqlite"), migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
    }

    func fleetQueryCount(_ source: FakeMetricsSource) -> Int { source.queries.filter(fleetQueries.contains).count }

    /// Callers arriving before the first index all wait for one refresh; none starts another.
    @Test func concurrentCallersShareTheFirstRefresh() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource(delay: .milliseconds(200))
        FleetAnswers.install((0..<5).map { .init(node: "edge-\($0)", utilization: Double($0)) }, into: source, at: now)
        let fleet = service(source, store: try store(directory))
        let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { try await fleet.index().fleet.totalItems } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sizes == Array(repeating: 5, count: 20))
        #expect(fleetQueryCount(source) == fleetQueries.count)
        // Once it exists, reading it asks Prometheus nothing.
        _ = try await fleet.index()
        #expect(fleetQueryCount(source) == fleetQueries.count)
    }

    /// However many ask for a refresh at once, one runs; the next starts only after it ended.
    @Test func refreshesNeverOverlap() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource(delay: .milliseconds(200))
        FleetAnswers.install([.init(node: "edge-a", utilization: 1)], into: source, at: now)
        let fleet = service(source, store: try store(directory))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 { group.addTask { await fleet.refresh() } }
        }
        #expect(fleetQueryCount(source) == fleetQueries.count)
        await fleet.refresh()
        #expect(fleetQueryCount(source) == 2 * fleetQueries.count)
    }

    /// The same queries for 3 nodes as for 300.
    @Test(arguments: [3, 300])
    func aRefreshCostsTheSameQueriesWhateverTheFleetSize(size: Int) async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        FleetAnswers.install((0..<size).map { .init(node: "edge-\($0)", utilization: 1) }, into: source, at: now)
        let fleet = service(source, store: try store(directory))
        let index = try await fleet.index()
        #expect(index.fleet.totalItems == size)
        // The rules' read (not loaded here), then the aggregation, then the problems (one query per source with
        // problem signals).
        let problemQueries = GPUQueries().fleetProblems(.standard).promQL.count
        #expect(problemQueries == ExporterRegistry.standard.exporters.count + 1)
        #expect(source.queries.count == 1 + GPUQueries().fleet.promQL.count + problemQueries)
        #expect(fleetQueryCount(source) == fleetQueries.count)
    }

    /// A failed refresh keeps the index it had, its rows no longer online, its read time unchanged; the next good one
    /// replaces it.
    @Test func aFailedRefreshKeepsTheLastIndex() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        FleetAnswers.install([.init(node: "edge-a", utilization: 40), .init(node: "edge-b", utilization: 60)], into: source, at: now)
        let fleet = service(source, store: try store(directory))
        let first = try await fleet.refresh().get()
        #expect(first.origin == .prometheus && first.fleet.items.map(\.status) == [.online, .online])

        source.fail(with: .unreachable("connection refused"))
        let kept = try await fleet.refresh().get()
        #expect(kept.origin == .kept)
        #expect(kept.readAt == first.readAt)
        #expect(kept.fleet.items.map(\.status) == [.stale, .stale])
        #expect(kept.fleet.items.map(\.gpuUtilizationPercent) == [40, 60])
        #expect(try await fleet.index() === kept)
        #expect(fleet.status(now: Date(timeIntervalSince1970: now + 30))?.ageSeconds == 30)

        source.fail(with: nil)
        #expect(try await fleet.refresh().get().origin == .prometheus)
        #expect(try await fleet.index().fleet.items.map(\.status) == [.online, .online])
    }

    /// Prometheus down since start: the inventory's nodes with their stored snapshots, all stale; with nothing
    /// stored, a 503 and no index.
    @Test func withoutPrometheusSinceStartTheStoredSnapshotsAreListed() async throws {
        let directory = try TemporaryDirectory()
        let store = try store(directory)
        let source = FakeMetricsSource()
        source.fail(with: .unreachable("connection refused"))
        let fleet = service(source, store: store)
        await #expect(throws: APIError.self) { try await fleet.index() }
        #expect(fleet.current == nil && fleet.hasAttempted)

        let seen = Date(timeIntervalSince1970: now - 600)
        let board = BoardRecord(node: "edge-a", exporter: .jetson, board: .init(model: "NVIDIA Jetson AGX Orin"), seen: seen)
        var snapshot = NodeGPU(node: "edge-a", exporter: .jetson, status: .online, observedAt: seen)
        snapshot.gpus = [NodeGPU.GPU(index: 0, utilizationPercent: 55)]
        try await store.saveSnapshot(snapshot, board: board)
        try await store.upsert([BoardRecord(node: "edge-b", exporter: .dcgm, board: .init(), seen: seen)])

        let index = try await fleet.index()
        #expect(index.origin == .storage && index.readAt == nil)
        #expect(index.fleet.items.map(\.node) == ["edge-a", "edge-b"])
        #expect(index.fleet.items.map(\.status) == [.stale, .stale])
        #expect(index.fleet.items.map(\.gpuUtilizationPercent) == [55, nil])
        #expect(index.fleet.items.first?.model == "NVIDIA Jetson AGX Orin")
        #expect(fleet.status(now: Date(timeIntervalSince1970: now))?.ageSeconds == nil)
    }

    /// Run as a service, it refreshes on its own: a change in Prometheus shows without anyone asking for a refresh.
    @Test func theBackgroundLoopPicksUpChanges() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        FleetAnswers.install([.init(node: "edge-a", utilization: 10)], into: source, at: now)
        let fleet = service(source, store: try store(directory), interval: .milliseconds(100))
        let group = ServiceGroup(configuration: .init(services: [fleet], logger: TestApp.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await fleet.index().fleet.items.map(\.gpuUtilizationPercent) == [10])
            FleetAnswers.install([.init(node: "edge-a", utilization: 90), .init(node: "edge-b", utilization: 5)], into: source, at: now)
            var nodes = 0
            for _ in 0..<200 where nodes != 2 {
                try await Task.sleep(for: .milliseconds(50))
                nodes = try await fleet.index().fleet.totalItems
            }
            #expect(try await fleet.index().fleet.items.map(\.gpuUtilizationPercent) == [90, 5])
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Makes `source` answer as Prometheus does once `rules` are loaded and have recorded `rows`: the marker, and
    /// the recorded series to the rules' read.
    func loadRules(_ rules: FleetRecordingRules, recording rows: [FleetAnswers.Row], into source: FakeMetricsSource) {
        let recorded = FleetAnswers.recorded(FleetAnswers.series(rows, at: now), by: rules, revision: rules.revision, at: now)
        source.answer(rules.readMarker, with: recorded.filter { $0.name == FleetRecordingRules.marker })
        source.answer(rules.read, with: recorded)
    }

    /// Without this configuration's rules a refresh aggregates; once their marker answers, the refresh reads the
    /// recorded series with one selector; when they go, it aggregates again.
    @Test func theRecordingRulesAreReadWhileLoaded() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        FleetAnswers.install([.init(node: "edge-a", utilization: 10)], into: source, at: now)
        let fleet = service(source, store: try store(directory))
        let rules = FleetRecordingRules(queries: GPUQueries())
        #expect(try await fleet.refresh().get().recorded == false)

        loadRules(rules, recording: [.init(node: "edge-a", utilization: 20)], into: source)
        let noticed = try await fleet.refresh().get()
        #expect(noticed.recorded && noticed.fleet.items.map(\.gpuUtilizationPercent) == [20])

        let before = source.queries.count
        let read = try await fleet.refresh().get()
        #expect(read.recorded && read.fleet.items.map(\.gpuUtilizationPercent) == [20])
        #expect(read.fleet.items.map(\.status) == [.online])
        #expect(source.queries.count - before == 1 + GPUQueries().fleetProblems(.standard).promQL.count, "one selector, then the problems")

        source.answer(rules.read, with: [])
        source.answer(rules.readMarker, with: [])
        let gone = try await fleet.refresh().get()
        #expect(!gone.recorded && gone.fleet.items.map(\.gpuUtilizationPercent) == [10])
    }

    /// A fleet too large to aggregate within the deadline still finds its rules once they are recorded: the marker is
    /// not asked beside the aggregation that fails.
    @Test func rulesRecordedLaterAreFoundWhileAggregatingFails() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        FleetAnswers.install([.init(node: "edge-a", utilization: 10)], into: source, at: now)
        let fleet = service(source, store: try store(directory))
        let rules = FleetRecordingRules(queries: GPUQueries())
        #expect(try await fleet.refresh().get().recorded == false)
        for query in GPUQueries().fleet.promQL { source.fail(query, with: .timeout(seconds: 10)) }
        let kept = try await fleet.refresh().get()
        #expect(!kept.recorded && kept.fleet.items.map(\.gpuUtilizationPercent) == [10], "the last index, kept")

        loadRules(rules, recording: [.init(node: "edge-a", utilization: 20)], into: source)
        let read = try await fleet.refresh().get()
        #expect(read.recorded && read.fleet.items.map(\.gpuUtilizationPercent) == [20])
    }

    /// A row whose data stops being current between refreshes is answered `stale`, with `node_stale`, when it is asked
    /// for after that: as its snapshot says, and without asking Prometheus.
    @Test func rowsGoStaleAtRequestTimeWithoutAQuery() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        // edge-old was last seen 170 s ago (stale after 180 s), edge-new just now.
        FleetAnswers.install([.init(node: "edge-old", utilization: 1, seen: now - 170), .init(node: "edge-new", utilization: 1, seen: now)],
                             into: source, at: now)
        let clock = Clock(now)
        let context = GPUContext(source: source, store: try store(directory), queries: GPUQueries(), freshness: Freshness(scrapeInterval: .seconds(60)),
                                 logger: TestApp.logger, now: { clock.date })
        let fleet = FleetIndexService(fleet: FleetService(context: context), interval: .seconds(3600))
        let first = try await fleet.index()
        #expect(first.fleet.items.map(\.status) == [.online, .online])
        #expect(first.nextChange == Date(timeIntervalSince1970: now - 170 + 180))
        let queries = source.queries.count
        clock.advance(by: 11)
        let later = try await fleet.index()
        #expect(later.fleet.items.map { "\($0.node) \($0.status) \($0.health)" } == ["edge-new online ok", "edge-old stale warning"])
        #expect(later.problems.map { "\($0.node) \($0.code.rawValue)" } == ["edge-old node_stale"])
        #expect(later.summary.value.nodes.stale == 1 && later.summary.value.health.warning == 1)
        #expect(source.queries.count == queries, "no query")
        // Asked again, the same restated index.
        #expect(try await fleet.index() === later)
    }

    /// A refresh whose problem query fails still takes the fresh rows, with each node's problems as last read.
    @Test func aFailedProblemQueryKeepsTheLastProblemsNotTheOldRows() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        FleetAnswers.install([.init(node: "edge-a", utilization: 10, seen: now)], into: source, at: now)
        let problems = GPUQueries().fleetProblems(.standard).promQL
        let jetsonProblems = try #require(problems.first)
        // The Jetson's GPU sensor at 99.5 °C, as the problem query answers.
        source.answer(jetsonProblems, with: [Series(labels: ["instance": "edge-a", "sensor": "gpu",
                                                            "ks_family": "problem_board_hot:jetson"], points: [.init(timestamp: now, value: 99.5)])])
        let fleet = service(source, store: try store(directory))
        let first = try await fleet.refresh().get()
        #expect(first.problems.map { "\($0.node) \($0.code.rawValue) \($0.severity.rawValue)" } == ["edge-a board_hot critical"])
        FleetAnswers.install([.init(node: "edge-a", utilization: 20, seen: now)], into: source, at: now)
        for query in problems { source.fail(query, with: .timeout(seconds: 2)) }
        let second = try await fleet.refresh().get()
        #expect(second.origin == .prometheus && second.fleet.items.map(\.gpuUtilizationPercent) == [20])
        #expect(second.problems == first.problems && second.fleet.items.map(\.health) == [.critical])
    }

    /// Rows going stale one after another are restated at most once a second: each restatement rebuilds the index.
    @Test func restatementsAreAtMostOnceASecond() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        // Stale after 180 s: edge-a at now + 1, edge-b at now + 1.5.
        FleetAnswers.install([.init(node: "edge-a", utilization: 1, seen: now - 179), .init(node: "edge-b", utilization: 1, seen: now - 178.5)],
                             into: source, at: now)
        let clock = Clock(now)
        let context = GPUContext(source: source, store: try store(directory), queries: GPUQueries(), freshness: Freshness(scrapeInterval: .seconds(60)),
                                 logger: TestApp.logger, now: { clock.date })
        let fleet = FleetIndexService(fleet: FleetService(context: context), interval: .seconds(3600))
        _ = try await fleet.index()
        let statuses = { try await fleet.index().fleet.items.map(\.status) }
        clock.advance(by: 1.1)
        #expect(try await statuses() == [.stale, .online])
        clock.advance(by: 0.5)  // edge-b is due, but the last restatement was 0.5 s ago
        #expect(try await statuses() == [.stale, .online])
        clock.advance(by: 0.6)
        #expect(try await statuses() == [.stale, .stale])
    }

    /// A snapshot that finds a node's status other than its row's has the index rebuilt at once, not at the interval.
    @Test func aSnapshotThatDisagreesNudgesARefresh() async throws {
        let directory = try TemporaryDirectory()
        let source = FakeMetricsSource()
        FleetAnswers.install([.init(node: "edge-a", utilization: 1, seen: now)], into: source, at: now)
        let fleet = service(source, store: try store(directory), interval: .seconds(3600))
        let group = ServiceGroup(configuration: .init(services: [fleet], logger: TestApp.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for _ in 0..<100 where fleet.current == nil { try await Task.sleep(for: .milliseconds(20)) }
            let before = fleetQueryCount(source)
            fleet.saw("edge-a", .online)  // agrees: nothing
            fleet.saw("edge-zz", .offline)  // not listed: nothing
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(fleetQueryCount(source) == before)
            fleet.saw("edge-a", .offline)
            for _ in 0..<100 where fleetQueryCount(source) == before { try await Task.sleep(for: .milliseconds(20)) }
            #expect(fleetQueryCount(source) == before + fleetQueries.count, "one refresh, long before the hour's interval")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// A clock a test moves on.
final class Clock: Sendable {
    private let seconds: Mutex<Double>

    init(_ start: Double) { seconds = Mutex(start) }

    var date: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }

    func advance(by delta: Double) { seconds.withLock { $0 += delta } }
}
