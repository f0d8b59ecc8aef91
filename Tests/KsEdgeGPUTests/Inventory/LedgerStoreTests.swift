import Foundation
import GRDB
import Testing
@testable import KsEdgeGPU

/// The ledger's SQLite tables: an event is recorded once however often it is written, facts come back after reopening,
/// events are read newest first with filters and pages, pruning goes in small batches, and an older file upgrades in
/// place with its boards.
@Suite struct LedgerStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000.123)

    func open(_ path: String, migrations: String = Fixtures.migrations) throws -> Inventory {
        try Inventory(path: path, migrationsDirectory: migrations, logger: TestApp.logger)
    }

    func event(_ node: String, _ kind: BoardEventKind, at seconds: Double, old: String? = nil, new: String? = nil, gpu: Int? = nil) -> BoardEvent {
        BoardEvent(node: node, kind: kind, old: old, new: new, observedAt: t0.addingTimeInterval(seconds), gpu: gpu)
    }

    @Test func anEventWrittenTwiceIsRecordedOnceAndFactsSurviveReopening() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("ledger.sqlite")
        let inventory = try open(path)
        let upgrade = event("edge-1", .jetpack, at: 0, old: "5.1.2", new: "6.0")
        let write = LedgerWrite(boards: [BoardRecord(node: "edge-1", exporter: .jetson, board: NodeGPU.Board(jetpack: "6.0"), seen: t0)],
                                events: [upgrade], facts: ["edge-1": [.description(.jetpack): "6.0", .presence: "present"]])
        try await inventory.recordLedger(write)
        // A second replica's refresh, or the same one after a restart, writes the same event again.
        try await inventory.recordLedger(write)
        let reopened = try open(path)
        let events = try await reopened.events(EventQuery())
        #expect(events.items == [upgrade] && events.totalItems == 1)
        #expect(events.items.first?.observedAt == upgrade.observedAt, "milliseconds kept")
        #expect(try await reopened.ledgerFacts() == ["edge-1": [.description(.jetpack): "6.0", .presence: "present"]])
        // A fact set to nil is forgotten.
        try await reopened.recordLedger(LedgerWrite(facts: ["edge-1": [.description(.jetpack): String?.none]]))
        #expect(try await open(path).ledgerFacts() == ["edge-1": [.presence: "present"]])
    }

    @Test func eventsAreNewestFirstFilteredAndPaged() async throws {
        let directory = try TemporaryDirectory()
        let inventory = try open(directory.file("ledger.sqlite"))
        var events: [BoardEvent] = []
        for index in 0..<30 {
            let node = "edge-\(index % 3)"
            events.append(event(node, index % 2 == 0 ? .jetpack : .serial, at: Double(index) * 60, new: "v\(index)"))
        }
        events.append(event("gpu-1", .gpuUUID, at: 5, old: "GPU-a", new: "GPU-b", gpu: 1))
        try await inventory.recordLedger(LedgerWrite(events: events))
        let newestFirst = events.sorted { $0.observedAt > $1.observedAt }

        let all = try await inventory.events(EventQuery())
        #expect(all.items == newestFirst && all.totalItems == 31)
        let page = try await inventory.events(EventQuery(offset: 10, limit: 10))
        #expect(page.items == Array(newestFirst[10..<20]) && page.totalItems == 31)
        let node = try await inventory.events(EventQuery(node: "edge-1", kinds: [.serial]))
        #expect(node.items == newestFirst.filter { $0.node == "edge-1" && $0.kind == .serial })
        let window = try await inventory.events(EventQuery(since: t0.addingTimeInterval(600), until: t0.addingTimeInterval(1200)))
        #expect(window.items == newestFirst.filter { $0.observedAt >= t0.addingTimeInterval(600) && $0.observedAt < t0.addingTimeInterval(1200) })
        #expect(window.totalItems == 10)
        #expect(try await inventory.events(EventQuery(node: "gpu-1")).items.first?.gpu == 1)
    }

    @Test func pruningDeletesOnlyOlderEventsInBatches() async throws {
        let directory = try TemporaryDirectory()
        let inventory = try open(directory.file("ledger.sqlite"))
        try await inventory.recordLedger(LedgerWrite(events: (0..<25).map { event("edge-\($0 % 4)", .powerMode, at: Double($0), new: "m\($0)") }))
        let cutoff = t0.addingTimeInterval(20)
        var batches: [Int] = []
        while true {
            let deleted = try await inventory.pruneEvents(before: cutoff, limit: 8)
            batches.append(deleted)
            if deleted < 8 { break }
        }
        #expect(batches == [8, 8, 4])
        let left = try await inventory.events(EventQuery())
        #expect(left.totalItems == 5 && left.items.allSatisfy { $0.observedAt >= cutoff })
    }

    /// The fleet's totals come from each day's counts plus the partial days at a range's ends: they must be what
    /// counting every row gives, for any range and kinds, after inserts written twice and after pruning.
    @Test func theFleetsTotalsAreExactWithoutCountingEveryRow() async throws {
        let directory = try TemporaryDirectory()
        let inventory = try open(directory.file("ledger.sqlite"))
        let day = 86_400.0
        let kinds: [BoardEventKind] = [.jetpack, .serial, .problemOpened]
        var generator = SystemRandomNumberGenerator()
        let events = (0..<600).map { index in
            event("edge-\(index % 9)", kinds[index % 3], at: Double.random(in: -2 * day ... 3 * day, using: &generator).rounded(), new: "v\(index)")
        }
        try await inventory.recordLedger(LedgerWrite(events: events))
        try await inventory.recordLedger(LedgerWrite(events: Array(events.prefix(50))))
        // What the ledger keeps once: one event per node, time, kind and subject (a problem's code is its subject, so two
        // problems opened at one instant are two events).
        let stored = Array(Set(events.map { event in
            "\(event.node) \(BoardEventRecord.milliseconds(event.observedAt)) \(event.kind.rawValue) \(BoardEventRecord.subject(event))"
        }).sorted())
        func expectExact(_ label: String) async throws {
            let all = try await inventory.events(EventQuery()).items
            for _ in 0..<40 {
                let bounds = [Double.random(in: -3 * day ... 4 * day, using: &generator), Double.random(in: -3 * day ... 4 * day, using: &generator)].sorted()
                let since = Bool.random(using: &generator) ? t0.addingTimeInterval(bounds[0]) : nil
                let until = Bool.random(using: &generator) ? t0.addingTimeInterval(bounds[1]) : nil
                let chosen = Set(kinds.filter { _ in Bool.random(using: &generator) })
                let query = EventQuery(kinds: chosen, since: since, until: until, limit: 1)
                let expected = all.filter { event in
                    (chosen.isEmpty || chosen.contains(event.kind)) && since.map { event.observedAt >= $0 } ?? true && until.map { event.observedAt < $0 } ?? true
                }.count
                #expect(try await inventory.events(query).totalItems == expected, "\(label): \(query)")
            }
        }
        #expect(try await inventory.events(EventQuery(limit: 1)).totalItems == stored.count)
        try await expectExact("written")
        _ = try await inventory.pruneEvents(before: t0, limit: 100)
        try await expectExact("pruned")
    }

    /// The ledger's pruning after a refresh: what the retention leaves behind, in batches, and nothing newer.
    @Test func theLedgerPrunesWhatItsRetentionLeavesBehind() async throws {
        let directory = try TemporaryDirectory()
        let inventory = try open(directory.file("ledger.sqlite"))
        let now = t0
        let old = (0..<1_100).map { event("edge-\($0 % 7)", .serial, at: -400 * 86_400 + Double($0), new: "s\($0)") }
        let kept = (0..<5).map { event("edge-\($0)", .jetpack, at: -10 * 86_400 + Double($0), new: "j\($0)") }
        try await inventory.recordLedger(LedgerWrite(events: old + kept))
        let context = GPUContext(source: FakeMetricsSource(), store: inventory, queries: GPUQueries(),
                                 freshness: Freshness(scrapeInterval: .seconds(60), pushInterval: .seconds(60)), logger: TestApp.logger, now: { now })
        let ledger = BoardLedger(context: context, settings: LedgerSettings(retention: .seconds(365 * 86_400)))
        #expect(try await ledger.prune() == 1_100)
        let left = try await inventory.events(EventQuery())
        #expect(left.items.map(\.new) == ["j4", "j3", "j2", "j1", "j0"])
        #expect(try await ledger.prune() == 0)
    }

    /// A file written before the ledger opens with its boards, its boards' GPUs unknown, and an empty ledger.
    @Test func anOlderFileUpgradesInPlace() async throws {
        // Whole seconds: GRDB keeps dates to the millisecond.
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let directory = try TemporaryDirectory()
        let path = directory.file("old.sqlite")
        let older = directory.file("migrations-before-the-ledger")
        try FileManager.default.createDirectory(atPath: older, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: Fixtures.migrations) where file < "0004" {
            try FileManager.default.copyItem(atPath: Fixtures.migrations + "/" + file, toPath: older + "/" + file)
        }
        try open(path, migrations: older).close()
        // As that version wrote its boards: without the ledger's columns.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO board (node, exporter, jetpack, first_seen, last_seen) VALUES ('edge-1', 'jetson', '5.1.2', ?, ?)",
                           arguments: [t0, t0])
        }
        try queue.close()

        let after = try open(path)
        let board = try #require(try await after.board("edge-1"))
        #expect(board.jetpack == "5.1.2" && board.firstSeen == t0 && board.gpus == nil && board.agreedAt == nil)
        #expect(try await after.ledgerFacts().isEmpty)
        #expect(try await after.events(EventQuery()).totalItems == 0)
        // A snapshot's write (no GPUs described) keeps the GPUs a refresh stored, and agreement never moves back.
        var described = BoardRecord(node: "edge-1", exporter: .jetson, board: NodeGPU.Board(jetpack: "5.1.2"),
                                    gpus: [InventoryList.GPU(index: 0, name: "Orin", uuid: nil)], seen: t0.addingTimeInterval(10))
        described.agreedAt = t0.addingTimeInterval(10)
        try await after.recordLedger(LedgerWrite(boards: [described]))
        try await after.saveSnapshot(NodeGPU(node: "edge-1", exporter: .jetson, status: .online, observedAt: t0.addingTimeInterval(20)),
                                     board: BoardRecord(node: "edge-1", exporter: .jetson, board: NodeGPU.Board(jetpack: "5.1.2"), seen: t0.addingTimeInterval(20)))
        var behind = described
        behind.agreedAt = t0
        try await after.recordLedger(LedgerWrite(boards: [behind]))
        let stored = try #require(try await open(path).board("edge-1"))
        #expect(stored.gpus == described.gpus && stored.agreedAt == t0.addingTimeInterval(10))
    }
}
