import Foundation
import GRDB
import Logging
import Synchronization

/// The SQLite inventory (GRDB `DatabasePool`, so WAL mode), migrated from `migrations/*.sql` on open.
/// Board rows are also kept in memory, written through after each committed write: every request reads a board
/// and the fleet reads them all, while writes come only from the refresh and from new snapshots.
public final class Inventory: InventoryStore {
    let pool: DatabasePool
    private let boardsByNode = Mutex<[String: BoardRecord]>([:])

    public struct MigrationsNotFound: Error, CustomStringConvertible {
        public let directory: String
        public var description: String {
            "no migrations (*.sql) in \(directory): run from the repository root or set --migrations / MIGRATIONS_DIR"
        }
    }

    /// Opens (creating the file and its directory) and applies every pending migration in file-name order.
    public init(path: String, migrationsDirectory: String, logger: Logger) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)

        let files = try Self.migrationFiles(in: migrationsDirectory)
        var migrator = DatabaseMigrator()
        for file in files {
            let sql = try String(contentsOfFile: file.path, encoding: .utf8)
            migrator.registerMigration(file.lastPathComponent) { db in try db.execute(sql: sql) }
        }
        let pending = try pool.read { try migrator.appliedIdentifiers($0) }
        try migrator.migrate(pool)
        for file in files where !pending.contains(file.lastPathComponent) {
            logger.info("applied migration", metadata: ["migration": "\(file.lastPathComponent)"])
        }
        let stored = try pool.read { try BoardRecord.fetchAll($0) }
        boardsByNode.withLock { $0 = Dictionary(stored.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first }) }
    }

    static func migrationFiles(in directory: String) throws -> [URL] {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let files = contents.filter { $0.hasSuffix(".sql") }.sorted()
        guard !files.isEmpty else { throw MigrationsNotFound(directory: directory) }
        return files.map { URL(fileURLWithPath: directory).appendingPathComponent($0) }
    }

    public func board(_ node: String) async throws -> BoardRecord? {
        boardsByNode.withLock { $0[node] }
    }

    public func boards() async throws -> [BoardRecord] {
        boardsByNode.withLock { Array($0.values) }.sorted { $0.node < $1.node }
    }

    public func upsert(_ boards: [BoardRecord]) async throws {
        guard !boards.isEmpty else { return }
        let stored = try await pool.write { db in
            for board in boards { try Self.upsert(board, in: db) }
            return try Self.rows(boards.map(\.node), in: db)
        }
        remember(stored)
    }

    /// The rows of `nodes` as stored (first_seen kept, last_seen the latest), to keep memory equal to the file.
    private static func rows(_ nodes: [String], in db: Database) throws -> [BoardRecord] {
        try stride(from: 0, to: nodes.count, by: 500).flatMap { start in
            try BoardRecord.filter(keys: nodes[start..<min(start + 500, nodes.count)]).fetchAll(db)
        }
    }

    private func remember(_ stored: [BoardRecord]) {
        boardsByNode.withLock { boards in
            for board in stored { boards[board.node] = board }
        }
    }

    private static func upsert(_ board: BoardRecord, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO board (node, exporter, model, jetpack, l4t, soc, codename, module, board, cuda_arch,
                                   serial_number, nvpmode, driver_version, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(node) DO UPDATE SET
                    exporter = excluded.exporter, model = excluded.model, jetpack = excluded.jetpack,
                    l4t = excluded.l4t, soc = excluded.soc, codename = excluded.codename, module = excluded.module,
                    board = excluded.board, cuda_arch = excluded.cuda_arch, serial_number = excluded.serial_number,
                    nvpmode = excluded.nvpmode, driver_version = excluded.driver_version,
                    last_seen = max(board.last_seen, excluded.last_seen)
                """,
            arguments: [
                board.node, board.exporter, board.model, board.jetpack, board.l4t, board.soc, board.codename,
                board.module, board.board, board.cudaArch, board.serialNumber, board.nvpmode, board.driverVersion, board.firstSeen,
                board.lastSeen,
            ])
    }

    public func snapshot(_ node: String) async throws -> NodeGPU? {
        let payload = try await pool.read { try String.fetchOne($0, sql: "SELECT payload FROM snapshot WHERE node = ?", arguments: [node]) }
        return try payload.map { try SnapshotCoding.decode($0) }
    }

    public func snapshots() async throws -> [NodeGPU] {
        let payloads = try await pool.read { try String.fetchAll($0, sql: "SELECT payload FROM snapshot ORDER BY node") }
        return try payloads.map { try SnapshotCoding.decode($0) }
    }

    public func saveSnapshot(_ snapshot: NodeGPU, board: BoardRecord) async throws {
        let payload = try SnapshotCoding.encode(snapshot)
        let stored = try await pool.write { db in
            try Self.upsert(board, in: db)
            // An older snapshot never replaces a newer one (two requests racing).
            try db.execute(
                sql: """
                    INSERT INTO snapshot (node, observed_at, payload) VALUES (?, ?, ?)
                    ON CONFLICT(node) DO UPDATE SET observed_at = excluded.observed_at, payload = excluded.payload
                    WHERE excluded.observed_at >= snapshot.observed_at
                    """,
                arguments: [snapshot.node, snapshot.observedAt ?? Date(timeIntervalSince1970: 0), payload])
            return try Self.rows([board.node], in: db)
        }
        remember(stored)
    }
}

/// Snapshots are stored as the contract's own JSON, so what was served is what comes back.
enum SnapshotCoding {
    static func encode(_ snapshot: NodeGPU) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(snapshot), as: UTF8.self)
    }

    static func decode(_ payload: String) throws -> NodeGPU {
        try JSONCoding.decoder.decode(NodeGPU.self, from: Data(payload.utf8))
    }
}
