import Foundation
import Synchronization
import Testing
@testable import KsEdgeGPU

/// The ledger's refresh step over a real SQLite file and an in-memory Prometheus: a board's arrival, then a JetPack
/// upgrade whose time Prometheus cannot tell at first (it waits, recording nothing wrong) and then can (it is recorded at
/// the first sample that showed it).
@Suite struct BoardLedgerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func board(jetpack: String, seen: Date) -> InventoryQuery.Board {
        InventoryQuery.Board(node: "edge-1", exporter: .jetson, board: NodeGPU.Board(model: "Orin", jetpack: jetpack, l4t: "35.4.1"), seen: seen)
    }

    /// A ledger on a new SQLite file in `directory`, with an in-memory Prometheus, at `clock`'s time.
    func ledger(in directory: borrowing TemporaryDirectory, clock: TestClock, settings: LedgerSettings = LedgerSettings()) throws
        -> (Inventory, FakeMetricsSource, BoardLedger<FakeMetricsSource, Inventory>) {
        let inventory = try Inventory(path: directory.file("ledger.sqlite"), migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
        let source = FakeMetricsSource()
        let context = GPUContext(source: source, store: inventory, queries: GPUQueries(), freshness: Freshness(scrapeInterval: .seconds(1)),
                                 logger: TestApp.logger, now: { clock.now })
        return (inventory, source, BoardLedger(context: context, settings: settings))
    }

    /// Answers `query`'s selector of `gpu_info_board_info` with `series`, its others with none.
    func answer(_ source: FakeMetricsSource, _ query: ChangeTimeQuery, boardInfo series: [Series]) {
        for promQL in query.promQL { source.answer(promQL, with: promQL.text.contains("gpu_info_board_info") ? series : []) }
    }

    /// `gpu_info_board_info` of edge-1 as raw samples: `jetpack` from `from` to `to`, one a second.
    func samples(jetpack: String, from: Double, to: Double) -> Series {
        Series(labels: ["__name__": "gpu_info_board_info", "instance": "edge-1", "jetpack": jetpack, "l4t": "35.4.1", "machine": "Orin"],
               points: stride(from: from, through: to, by: 1).map { Series.Point(timestamp: $0, value: 1) })
    }

    @Test func aChangeWhoseTimeCannotBeReadWaitsAndIsThenRecordedAtItsFirstSample() async throws {
        let directory = try TemporaryDirectory()
        let clock = TestClock(start)
        let (inventory, source, ledger) = try self.ledger(in: directory, clock: clock)
        func refresh(_ jetpack: String) async throws -> [BoardEvent] {
            clock.advance(30)
            return try await ledger.record([board(jetpack: jetpack, seen: clock.now.addingTimeInterval(-1))]).events
        }

        #expect(try await refresh("5.1.2").isEmpty)
        #expect(try await refresh("5.1.2").map(\.kind) == [.firstSeen], "a new ledger: the board as the inventory first saw it")
        #expect(try await refresh("5.1.2").isEmpty)
        let agreed = try #require(try await inventory.board("edge-1")?.agreedAt)
        #expect(agreed == start.addingTimeInterval(89))

        // Upgraded 10 s before the next refresh; Prometheus then times out on the change's samples.
        let upgraded = clock.now.addingTimeInterval(20)
        #expect(try await refresh("6.0").isEmpty)
        source.fail(with: .timeout(seconds: 2))
        #expect(try await refresh("6.0").isEmpty, "no time, no event")
        #expect(try await inventory.ledgerFacts()["edge-1"]?[.description(.jetpack)] == "5.1.2")
        #expect(try await inventory.board("edge-1")?.agreedAt == agreed, "the search still starts before the change")

        // Prometheus answers again: the raw samples since the ledger last agreed, the new series starting at the upgrade.
        source.fail(with: nil)
        let query = ChangeTimeQuery(queries: GPUQueries(), node: NodeName("edge-1")!, since: agreed, now: clock.now.addingTimeInterval(30))
        answer(source, query, boardInfo: [
            samples(jetpack: "5.1.2", from: agreed.timeIntervalSince1970, to: upgraded.timeIntervalSince1970 - 1),
            samples(jetpack: "6.0", from: upgraded.timeIntervalSince1970, to: clock.now.timeIntervalSince1970 + 29),
        ])
        let events = try await refresh("6.0")
        #expect(events.map(\.kind) == [.jetpack] && events.first?.observedAt == upgraded && events.first?.new == "6.0")
        #expect(try await refresh("6.0").isEmpty)
        #expect(try await inventory.events(EventQuery(kinds: [.jetpack])).totalItems == 1)
    }
}

extension BoardLedgerTests {
    /// A board silent for longer than a day is gone as of its last sample, and back as of its first sample after the
    /// silence, whatever the board row says by then.
    @Test func aSilentBoardIsGoneAtItsLastSampleAndBackAtItsFirstAfter() async throws {
        let directory = try TemporaryDirectory()
        let clock = TestClock(start)
        let (_, source, ledger) = try self.ledger(in: directory, clock: clock, settings: LedgerSettings(goneAfter: .seconds(86_400)))
        func refresh(_ present: Bool, after seconds: TimeInterval = 30) async throws -> [BoardEvent] {
            clock.advance(seconds)
            return try await ledger.record(present ? [board(jetpack: "6.0", seen: clock.now.addingTimeInterval(-1))] : []).events
        }
        _ = try await refresh(true)
        #expect(try await refresh(true).map(\.kind) == [.firstSeen])
        let last = clock.now.addingTimeInterval(-1)
        #expect(try await refresh(false).isEmpty)
        let gone = try await refresh(false, after: 86_400)
        #expect(gone.map(\.kind) == [.gone] && gone.first?.observedAt == last)

        // Back 10 s before a refresh; Prometheus' raw samples of the last day start then.
        let back = clock.now.addingTimeInterval(3_600 + 20)
        _ = try await refresh(true, after: 3_600 + 30)
        let query = ChangeTimeQuery(queries: GPUQueries(), node: NodeName("edge-1")!, since: clock.now.addingTimeInterval(30 - 86_400),
                                    now: clock.now.addingTimeInterval(30))
        answer(source, query, boardInfo: [samples(jetpack: "6.0", from: back.timeIntervalSince1970, to: clock.now.timeIntervalSince1970 + 29)])
        let events = try await refresh(true)
        #expect(events.map(\.kind) == [.back] && events.first?.observedAt == back, "\(events)")
    }
}

/// A clock the test moves.
final class TestClock: Sendable {
    private let time: Mutex<Date>
    init(_ start: Date) { time = Mutex(start) }
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
