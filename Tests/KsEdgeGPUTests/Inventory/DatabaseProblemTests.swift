import Foundation
import GRDB
import Testing
@testable import KsEdgeGPU

/// A file the inventory cannot use stops the opening with a problem naming the file, and the file is left as it was.
@Suite struct DatabaseProblemTests {
    func open(_ path: String) throws -> Inventory {
        try Inventory(path: path, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
    }

    /// Opens `path`, expecting `kind`; checks the message names the file and that the file is unchanged.
    func expectRefused(_ path: String, _ kind: DatabaseProblem.Kind, detail: String? = nil) throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let problem = try #require(throws: DatabaseProblem.self) { try open(path) }
        #expect(problem.kind == kind, "\(problem)")
        #expect(problem.description.hasPrefix("database \(path) "))
        if let detail { #expect(problem.detail.contains(detail), "\(problem.detail)") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "the file was changed")
    }

    /// A database with boards in it, all in the one file (its write-ahead log checkpointed and emptied).
    func populated(_ path: String) async throws {
        let inventory = try open(path)
        let boards = (0..<200).map { BoardRecord(node: "edge-\($0)", exporter: .jetson, board: NodeGPU.Board(model: "Orin \($0)"), seen: Date()) }
        try await inventory.upsert(boards)
        try await inventory.pool.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
    }

    @Test func aFileThatIsNotSQLiteIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("inventory.sqlite")
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: path))
        try expectRefused(path, .notADatabase)
    }

    @Test func aDamagedPageIsFoundBeforeAnythingIsWritten() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("inventory.sqlite")
        try await populated(path)
        // Overwrite a whole page of the boards' (written last, so near the end), past the header: SQLite itself opens
        // it without complaint.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let page = 4096
        let damaged = (bytes.count / page - 2) * page
        bytes.replaceSubrange(damaged..<(damaged + page), with: Data(repeating: 0xA5, count: page))
        try bytes.write(to: URL(fileURLWithPath: path))
        try expectRefused(path, .corrupt)
    }

    @Test func aDatabaseFromANewerVersionIsRefusedNotMigrated() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("inventory.sqlite")
        try await populated(path)
        let newer = try DatabaseQueue(path: path)
        try await newer.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9001_add_board_rack')") }
        try await newer.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
        try newer.close()
        try expectRefused(path, .newerSchema, detail: "9001_add_board_rack")
        // Nothing was lost either: the same file opens with its boards once the newer step is gone.
        try await DatabaseQueue(path: path).write { try $0.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = '9001_add_board_rack'") }
        #expect(try await open(path).boards().count == 200)
    }

    @Test func aFolderThatCannotBeMadeIsNamed() throws {
        let directory = try TemporaryDirectory()
        let blocker = directory.file("not-a-folder")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let problem = try #require(throws: DatabaseProblem.self) { try open(blocker + "/inventory.sqlite") }
        #expect(problem.kind == .cannotCreateFolder)
        #expect(problem.detail.contains(blocker))
    }

    @Test func aFolderInPlaceOfTheFileCannotBeOpened() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("inventory.sqlite")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let problem = try #require(throws: DatabaseProblem.self) { try open(path) }
        #expect(problem.kind == .cannotOpen, "\(problem)")
    }

    @Test func eachKindSaysWhatToDo() {
        let kinds: [DatabaseProblem.Kind] = [.cannotCreateFolder, .cannotOpen, .notADatabase, .corrupt, .notWritable, .newerSchema]
        let messages = kinds.map { DatabaseProblem(path: "/var/lib/x.sqlite", kind: $0, detail: "d").description }
        #expect(Set(messages).count == kinds.count)
        #expect(messages.allSatisfy { $0.hasPrefix("database /var/lib/x.sqlite ") && $0.contains("(d); ") })
    }
}
