import Foundation
import Testing
@testable import KsEdgeGPU

@Suite struct InventoryTests {
    func open(_ path: String) throws -> Inventory {
        try Inventory(path: path, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
    }

    func board(_ node: String, model: String?, seen: Double) -> BoardRecord {
        BoardRecord(node: node, exporter: .jetson, board: NodeGPU.Board(model: model), seen: Date(timeIntervalSince1970: seen))
    }

    @Test func upsertKeepsFirstSeenAndNeverMovesLastSeenOrTheDescriptionBack() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("nested/dir/inventory.sqlite")
        let inventory = try open(path)
        try await inventory.upsert([board("a", model: "one", seen: 100), board("b", model: nil, seen: 100)])
        try await inventory.upsert([board("a", model: "two", seen: 200)])
        // Read before the write above and written after it: what the board was does not come back.
        try await inventory.upsert([board("a", model: "three", seen: 150)])
        try await inventory.upsert([board("b", model: "one", seen: 100)])

        let a = try #require(try await inventory.board("a"))
        #expect(a.firstSeen == Date(timeIntervalSince1970: 100))
        #expect(a.lastSeen == Date(timeIntervalSince1970: 200))
        #expect(a.model == "two")
        // A description seen at the same time as the stored one replaces it.
        #expect(try await inventory.board("b")?.model == "one")
        // What is kept in memory is what a fresh open reads from the file.
        #expect(try await open(path).boards() == (try await inventory.boards()))
        #expect(try await inventory.boards().map(\.node) == ["a", "b"])
    }

    @Test func lastGoodSnapshotSurvivesReopeningAndOlderNeverReplacesNewer() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("inventory.sqlite")
        let newer = try #require(Normalizer.normalize(node: "edge-a", series: Fixtures.series("jetson-agx-orin.prom", node: "edge-a", timestamp: 2000)))
        var older = try #require(Normalizer.normalize(node: "edge-a", series: Fixtures.series("jetson-xavier-nx.prom", node: "edge-a", timestamp: 1000)))
        older.node = "edge-a"
        let inventory = try open(path)
        try await inventory.saveSnapshot(newer, board: board("edge-a", model: newer.board.model, seen: 2000))
        try await inventory.saveSnapshot(older, board: board("edge-a", model: older.board.model, seen: 1000))

        let reopened = try open(path)
        #expect(try await reopened.snapshot("edge-a") == newer)
        #expect(try await reopened.snapshots().map(\.node) == ["edge-a"])
        #expect(try await reopened.board("edge-a")?.lastSeen == Date(timeIntervalSince1970: 2000))
        #expect(try await reopened.board("edge-a")?.model == newer.board.model)
        #expect(try await reopened.snapshot("edge-b") == nil)
    }

    @Test func missingMigrationsAreAClearError() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: Inventory.MigrationsNotFound.self) {
            try Inventory(path: directory.file("db.sqlite"), migrationsDirectory: directory.file("nowhere"), logger: TestApp.logger)
        }
    }

    @Test func reopeningAppliesNothingTwiceAndUsesWALSyncedInFull() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("db.sqlite")
        _ = try open(path)
        let inventory = try open(path)
        let (journal, applied) = try await inventory.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        }
        #expect(journal == "wal")
        // Commits are synced in full (2), not GRDB's NORMAL (1) for WAL, which a power cut could undo.
        let synchronous = try await inventory.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(synchronous == 2)
        #expect(applied == ["0001_create_board.sql", "0002_create_snapshot.sql", "0003_add_board_driver_version.sql", "0004_create_board_ledger.sql"])
    }
}

@Suite struct InventoryOrderTests {
    /// Concurrent writers resume in any order after their commits; memory must still end at the newest row.
    @Test func memoryNeverGoesBackWhenWritesFinishOutOfOrder() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("db.sqlite")
        let inventory = try Inventory(path: path, migrations: BuiltInFiles.migrations, logger: TestApp.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for seen in (1...200).shuffled() {
                group.addTask {
                    try await inventory.upsert([BoardRecord(node: "a", exporter: .jetson, board: NodeGPU.Board(model: "m\(seen)"),
                                                            seen: Date(timeIntervalSince1970: Double(seen)))])
                }
            }
            try await group.waitForAll()
        }
        let remembered = try #require(try await inventory.board("a"))
        #expect(remembered.lastSeen == Date(timeIntervalSince1970: 200))
        #expect(remembered.firstSeen <= remembered.lastSeen)
        let stored = try await Inventory(path: path, migrations: BuiltInFiles.migrations, logger: TestApp.logger).board("a")
        #expect(stored?.lastSeen == remembered.lastSeen)
    }

    @Test func aRowReadBeforeANewerCommitDoesNotReplaceIt() {
        let newer = BoardRecord(node: "a", exporter: .jetson, board: NodeGPU.Board(model: "new"), seen: Date(timeIntervalSince1970: 200))
        let older = BoardRecord(node: "a", exporter: .jetson, board: NodeGPU.Board(model: "old"), seen: Date(timeIntervalSince1970: 150))
        var boards = ["a": newer]
        Inventory.merge([older], into: &boards)
        #expect(boards["a"] == newer)
        Inventory.merge([older], into: &boards)
        var fresh: [String: BoardRecord] = [:]
        Inventory.merge([older, newer], into: &fresh)
        #expect(fresh["a"] == newer)
    }

    @Test func builtInMigrationsAreTheRepositoryFiles() throws {
        #expect(BuiltInFiles.migrations == (try Inventory.Migration.load(from: Fixtures.migrations)))
        #expect(BuiltInFiles.migrations.count >= 3)
    }
}
