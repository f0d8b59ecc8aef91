import Foundation
import GRDB
import Logging
import Metrics
import Synchronization

/// The SQLite inventory (GRDB `DatabasePool`, so WAL mode), migrated on open.
/// Board rows are also kept in memory, written through after each committed write: every request reads a board
/// and the fleet reads them all, while writes come only from the refresh and from new snapshots.
public final class Inventory: InventoryStore {
    let pool: DatabasePool
    private let boardsByNode = Mutex<[String: BoardRecord]>([:])
    /// The ledger's facts per node, read once and written through like the boards.
    let factsByNode = Mutex<[String: [LedgerFact: String]]>([:])
    /// For `/metrics`: how long each committed write took, and how many boards the inventory holds.
    private let writeTimer = Timer(label: "ks_edge_gpu_sqlite_write_seconds", preferredDisplayUnit: .seconds)
    private let boardCount = Gauge(label: "ks_edge_gpu_inventory_boards")

    /// One schema step: `migrations/NNNN_name.sql`, applied once, in name order.
    public struct Migration: Sendable, Equatable {
        public let name: String
        public let sql: String

        public init(name: String, sql: String) {
            self.name = name
            self.sql = sql
        }

        /// The `*.sql` files of `directory`, for `--migrations` during development.
        public static func load(from directory: String) throws -> [Migration] {
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            let files = contents.filter { $0.hasSuffix(".sql") }.sorted()
            guard !files.isEmpty else { throw MigrationsNotFound(directory: directory) }
            return try files.map { file in
                Migration(name: file, sql: try String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8))
            }
        }
    }

    public struct MigrationsNotFound: Error, CustomStringConvertible {
        public let directory: String
        public var description: String {
            "no migrations (*.sql) in \(directory): check --migrations / MIGRATIONS_DIR, or leave it unset to use the built-in ones"
        }
    }

    /// Opens `path` (creating the file and its folder) and applies every pending migration in name order.
    /// A file that cannot be used stops here with a `DatabaseProblem` naming it; it is never reset.
    public init(path: String, migrations: [Migration], logger: Logger) throws {
        pool = try Self.open(path, migrations: migrations, logger: logger)
        // A file opened with older migrations (`--migrations`) has no ledger.
        let (stored, facts) = try pool.read { db in
            (try BoardRecord.fetchAll(db), try db.tableExists(FactRecord.databaseTableName) ? try FactRecord.fetchAll(db) : [])
        }
        boardsByNode.withLock { $0 = Dictionary(stored.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first }) }
        factsByNode.withLock { $0 = FactRecord.grouped(facts) }
        boardCount.record(stored.count)
    }

    private static func open(_ path: String, migrations: [Migration], logger: Logger) throws -> DatabasePool {
        func problem(_ kind: DatabaseProblem.Kind, _ detail: String) -> DatabaseProblem {
            DatabaseProblem(path: path, kind: kind, detail: detail)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw problem(.cannotCreateFolder, "\(folder): \((error as NSError).localizedFailureReason ?? "\(error)")")
        }
        // SQLite would open a write-protected file read-only and fail only at the first write.
        if FileManager.default.fileExists(atPath: path), access(path, W_OK) != 0 {
            throw problem(.notWritable, "no write permission on the file")
        }
        if access(folder, W_OK) != 0 { throw problem(.notWritable, "no write permission on its folder \(folder)") }

        var migrator = DatabaseMigrator()
        for migration in migrations.sorted(by: { $0.name < $1.name }) {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
        }
        do {
            try check(path, knownMigrations: Set(migrations.map(\.name)))
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in
                // GRDB sets NORMAL for WAL; FULL puts each commit on disk before it returns, even through a power cut.
                // Writes are few, and nothing committed may be lost.
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // A read-only file system shows only when a write is tried.
                try db.execute(sql: "BEGIN IMMEDIATE; ROLLBACK")
            }
            let applied = try pool.read { try migrator.appliedIdentifiers($0) }
            try migrator.migrate(pool)
            for migration in migrations where !applied.contains(migration.name) {
                logger.info("applied migration", metadata: ["migration": "\(migration.name)"])
            }
            return pool
        } catch let error as DatabaseError {
            throw problem(DatabaseProblem.kind(of: error), error.message ?? "\(error)")
        }
    }

    /// Reads an existing file without writing to it (a pool's opening writes): damage anywhere in it, not only in its
    /// header, and steps of a newer version's schema stop the start before anything is written.
    private static func check(_ path: String, knownMigrations: Set<String>) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { return }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        try queue.read { db in
            let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
            guard check == ["ok"] else { throw DatabaseProblem(path: path, kind: .corrupt, detail: check.prefix(3).joined(separator: "; ")) }
            let applied = try db.tableExists("grdb_migrations") ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
            let unknown = applied.filter { !knownMigrations.contains($0) }.sorted()
            guard unknown.isEmpty else {
                throw DatabaseProblem(path: path, kind: .newerSchema,
                                      detail: "migrations this version does not know: \(unknown.joined(separator: ", "))")
            }
        }
    }

    /// With the migrations of a folder.
    public convenience init(path: String, migrationsDirectory: String, logger: Logger) throws {
        try self.init(path: path, migrations: try Migration.load(from: migrationsDirectory), logger: logger)
    }

    /// Closes the file; reads of boards still answer from memory, anything else fails.
    public func close() throws {
        try pool.close()
    }

    public func board(_ node: String) async throws -> BoardRecord? {
        boardsByNode.withLock { $0[node] }
    }

    public func boards() async throws -> [BoardRecord] {
        boardsByNode.withLock { Array($0.values) }.sorted { $0.node < $1.node }
    }

    public func upsert(_ boards: [BoardRecord]) async throws {
        guard !boards.isEmpty else { return }
        let stored = try await timedWrite { db in try boards.map { try Self.upsert($0, in: db) } }
        remember(stored)
    }

    /// Writes are serialised by SQLite but their callers may resume in any order: a row is remembered only if it is
    /// not older than the one in memory, so memory never goes back to a `lastSeen` the file has moved past.
    func remember(_ stored: [BoardRecord]) {
        let count = boardsByNode.withLock { boards in
            Self.merge(stored, into: &boards)
            return boards.count
        }
        boardCount.record(count)
    }

    /// One write transaction, timed from asking for the writer to its commit.
    func timedWrite<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let start = ContinuousClock.now
        let result = try await pool.write(updates)
        writeTimer.record(duration: ContinuousClock.now - start)
        return result
    }

    static func merge(_ stored: [BoardRecord], into boards: inout [String: BoardRecord]) {
        for board in stored where boards[board.node].map({ $0.lastSeen <= board.lastSeen }) ?? true {
            boards[board.node] = board
        }
    }

    /// Inserts or updates the board; `first_seen` is never overwritten, `last_seen` and `agreed_at` never move back,
    /// the description is only replaced by one seen as late or later (a snapshot read before a refresh and written
    /// after it does not bring back what the board was), and GPUs not described (a snapshot's write) are kept.
    /// Returns the row as stored.
    static func upsert(_ board: BoardRecord, in db: Database) throws -> BoardRecord {
        let lastSeen = Column(BoardRecord.CodingKeys.lastSeen)
        let agreedAt = Column(BoardRecord.CodingKeys.agreedAt)
        let gpus = Column(BoardRecord.CodingKeys.gpus)
        return try board.upsertAndFetch(db, onConflict: ["node"]) { excluded in
            let newer = SQL("\(excluded[lastSeen]) >= \(lastSeen)")
            return BoardRecord.describingColumns.map { column in
                column.set(to: SQL("CASE WHEN \(newer) THEN \(excluded[column]) ELSE \(column) END"))
            } + [
                Column(BoardRecord.CodingKeys.firstSeen).noOverwrite,
                lastSeen.set(to: SQL("max(\(lastSeen), \(excluded[lastSeen]))")),
                agreedAt.set(to: SQL("max(coalesce(\(agreedAt), \(excluded[agreedAt])), coalesce(\(excluded[agreedAt]), \(agreedAt)))")),
                gpus.set(to: SQL("CASE WHEN \(newer) THEN coalesce(\(excluded[gpus]), \(gpus)) ELSE \(gpus) END")),
            ]
        }
    }

    public func snapshot(_ node: String) async throws -> NodeGPU? {
        let payload = try await pool.read { try SnapshotRecord.fetchOne($0, key: node)?.payload }
        return try payload.map { try SnapshotCoding.decode($0) }
    }

    public func snapshots() async throws -> [NodeGPU] {
        let payloads = try await pool.read { try SnapshotRecord.order(Column(SnapshotRecord.CodingKeys.node)).fetchAll($0).map(\.payload) }
        return try payloads.map { try SnapshotCoding.decode($0) }
    }

    public func saveSnapshot(_ snapshot: EncodedJSON<NodeGPU>, board: BoardRecord) async throws {
        let record = SnapshotRecord(node: snapshot.value.node, observedAt: snapshot.value.observedAt ?? Date(timeIntervalSince1970: 0),
                                    payload: String(buffer: snapshot.body))
        let stored = try await timedWrite { db in
            let row = try Self.upsert(board, in: db)
            // An older snapshot never replaces a newer one (two requests racing).
            if try SnapshotRecord.fetchOne(db, key: record.node).map({ $0.observedAt <= record.observedAt }) ?? true {
                try record.upsert(db)
            }
            return row
        }
        remember([stored])
    }
}

/// A row of the `snapshot` table: the node's last good snapshot as served.
struct SnapshotRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "snapshot"

    var node: String
    var observedAt: Date
    var payload: String

    enum CodingKeys: String, CodingKey {
        case node, payload
        case observedAt = "observed_at"
    }
}

/// Snapshots are stored as the contract's own JSON, the bytes that were served, so what was served is what comes back.
enum SnapshotCoding {
    static func decode(_ payload: String) throws -> NodeGPU {
        try JSONCoding.decoder.decode(NodeGPU.self, from: Data(payload.utf8))
    }
}
