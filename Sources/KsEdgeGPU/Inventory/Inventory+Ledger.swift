import Foundation
import GRDB

/// The board ledger's part of the SQLite inventory: events, and the facts the next refresh compares with.
extension Inventory {
    public func ledgerFacts() async throws -> [String: [LedgerFact: String]] {
        factsByNode.withLock { $0 }
    }

    /// One refresh's boards, events and facts in one transaction: a refresh killed half-way leaves the file as before
    /// it, and the next one finds the same changes again at the same times (an event already there is not added twice).
    public func recordLedger(_ write: LedgerWrite) async throws {
        let stored = try await timedWrite { db in
            let rows = try write.boards.map { try Self.upsert($0, in: db) }
            for event in write.events {
                let record = BoardEventRecord(event)
                try record.insert(db, onConflict: .ignore)
                if db.changesCount == 1 { try EventDays.add(1, day: EventDays.day(record.observedAt), kind: record.kind, in: db) }
            }
            for (node, facts) in write.facts {
                for (fact, value) in facts {
                    if let value {
                        // Plain SQL: GRDB's upsert asks for a rowid, which a WITHOUT ROWID table has not.
                        try db.execute(sql: """
                            INSERT INTO board_fact (node, fact, value) VALUES (?, ?, ?)
                            ON CONFLICT (node, fact) DO UPDATE SET value = excluded.value
                            """, arguments: [node, fact.key, value])
                    } else {
                        try db.execute(sql: "DELETE FROM board_fact WHERE node = ? AND fact = ?", arguments: [node, fact.key])
                    }
                }
            }
            return rows
        }
        remember(stored)
        factsByNode.withLock { known in
            for (node, facts) in write.facts {
                for (fact, value) in facts { known[node, default: [:]][fact] = value }
                if known[node]?.isEmpty == true { known[node] = nil }
            }
        }
    }

    /// The events `query` selects, newest first, one page of them, and how many it selects in all.
    public func events(_ query: EventQuery) async throws -> EventList {
        try await pool.read { db in
            let (condition, arguments) = query.condition
            let count = try EventDays.count(query, in: db)
            var page = arguments
            page += [query.limit ?? -1, query.offset]
            let rows = try BoardEventRecord.fetchAll(db, sql: """
                SELECT * FROM board_event WHERE \(condition)
                ORDER BY observed_at DESC, node, kind, subject LIMIT ? OFFSET ?
                """, arguments: page)
            return EventList(items: rows.compactMap(\.event), totalItems: count)
        }
    }

    /// Deletes up to `limit` events older than `before`, oldest first, in one short write; how many it deleted.
    /// Pruning a long history is many of these, so requests and refreshes are never held up behind one long write.
    public func pruneEvents(before: Date, limit: Int) async throws -> Int {
        let cutoff = BoardEventRecord.milliseconds(before)
        return try await timedWrite { db in
            let doomed = try Row.fetchAll(db, sql: """
                SELECT node, observed_at, kind, subject FROM board_event WHERE observed_at < ? ORDER BY observed_at LIMIT ?
                """, arguments: [cutoff, limit])
            var perDay: [EventDays.Key: Int] = [:]
            for row in doomed {
                let (node, time, kind, subject): (String, Int64, String, String) = (row["node"], row["observed_at"], row["kind"], row["subject"])
                try db.execute(sql: "DELETE FROM board_event WHERE node = ? AND observed_at = ? AND kind = ? AND subject = ?",
                               arguments: [node, time, kind, subject])
                perDay[EventDays.Key(day: EventDays.day(time), kind: kind), default: 0] += 1
            }
            for (key, count) in perDay { try EventDays.add(-count, day: key.day, kind: key.kind, in: db) }
            return doomed.count
        }
    }
}

/// What one refresh writes: every board seen, the events it confirmed, and the facts that changed (nil: forgotten).
public struct LedgerWrite: Sendable {
    public var boards: [BoardRecord]
    public var events: [BoardEvent]
    public var facts: [String: [LedgerFact: String?]]

    public init(boards: [BoardRecord] = [], events: [BoardEvent] = [], facts: [String: [LedgerFact: String?]] = [:]) {
        self.boards = boards
        self.events = events
        self.facts = facts
    }
}

/// Which events to read: one node's or the fleet's, of some kinds, within a time range, a page of them.
public struct EventQuery: Sendable, Hashable {
    public var node: String?
    public var kinds: Set<BoardEventKind> = []
    /// From `since` (inclusive) to `until` (exclusive).
    public var since: Date?
    public var until: Date?
    public var offset = 0
    /// nil: every event selected.
    public var limit: Int?

    public init(node: String? = nil, kinds: Set<BoardEventKind> = [], since: Date? = nil, until: Date? = nil, offset: Int = 0, limit: Int? = nil) {
        self.node = node
        self.kinds = kinds
        self.since = since
        self.until = until
        self.offset = offset
        self.limit = limit
    }

    /// `kind IN (…)` with its arguments, for the events and for the days' counts alike; nil for every kind.
    var kindCondition: (String, StatementArguments)? {
        guard !kinds.isEmpty else { return nil }
        let sorted = kinds.map(\.rawValue).sorted()
        return ("kind IN (\(Array(repeating: "?", count: sorted.count).joined(separator: ", ")))", StatementArguments(sorted))
    }

    /// The WHERE clause and its arguments; values are always bound, never spliced.
    var condition: (String, StatementArguments) {
        var clauses = ["1"]
        var arguments: StatementArguments = []
        if let node {
            clauses.append("node = ?")
            arguments += [node]
        }
        if let (clause, values) = kindCondition {
            clauses.append(clause)
            arguments += values
        }
        if let since {
            clauses.append("observed_at >= ?")
            arguments += [BoardEventRecord.milliseconds(since)]
        }
        if let until {
            clauses.append("observed_at < ?")
            arguments += [BoardEventRecord.milliseconds(until)]
        }
        return (clauses.joined(separator: " AND "), arguments)
    }
}

/// A row of `board_event`.
struct BoardEventRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "board_event"

    var node: String
    /// Milliseconds since the Unix epoch: the sample's own precision, compared exactly.
    var observedAt: Int64
    var kind: String
    var subject: String
    var old: String?
    var new: String?
    var gpu: Int?
    var sensor: String?
    var severity: String?

    enum CodingKeys: String, CodingKey {
        case node, kind, subject, old, new, gpu, sensor, severity
        case observedAt = "observed_at"
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    init(_ event: BoardEvent) {
        node = event.node
        observedAt = Self.milliseconds(event.observedAt)
        kind = event.kind.rawValue
        subject = Self.subject(event)
        old = event.old
        new = event.new
        gpu = event.gpu
        sensor = event.sensor
        severity = event.severity?.rawValue
    }

    /// What the event concerns besides the board: its GPU, or its problem (code, severity, GPU, sensor).
    static func subject(_ event: BoardEvent) -> String {
        switch event.kind {
        case .problemOpened, .problemClosed:
            [event.new ?? event.old ?? "", event.severity?.rawValue ?? "", event.gpu.map(String.init) ?? "", event.sensor ?? ""].joined(separator: "/")
        default:
            event.gpu.map(String.init) ?? ""
        }
    }

    /// Nil for a kind this version does not know.
    var event: BoardEvent? {
        BoardEventKind(rawValue: kind).map { kind in BoardEvent(node: node, kind: kind, old: old, new: new,
                   observedAt: Date(timeIntervalSince1970: Double(observedAt) / 1000), gpu: gpu, sensor: sensor,
                   severity: severity.flatMap(Severity.init(rawValue:))) }
    }
}

/// A row of `board_fact`.
struct FactRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "board_fact"

    var node: String
    var fact: String
    var value: String

    /// Per node, its facts; keys this version does not know are left out.
    static func grouped(_ records: [FactRecord]) -> [String: [LedgerFact: String]] {
        var facts: [String: [LedgerFact: String]] = [:]
        for record in records {
            guard let fact = LedgerFact(key: record.fact) else { continue }
            facts[record.node, default: [:]][fact] = record.value
        }
        return facts
    }
}

/// `board_event_day`: each day's events of each kind, so the fleet's totals are a sum over at most a few thousand rows
/// plus exact counts of the two partial days at a range's ends, never a count of a year of events.
enum EventDays {
    struct Key: Hashable {
        let day: Int64
        let kind: String
    }

    static let millisecondsPerDay: Int64 = 86_400_000

    /// The UTC day (since the Unix epoch) of a time in milliseconds.
    static func day(_ milliseconds: Int64) -> Int64 {
        milliseconds >= 0 ? milliseconds / millisecondsPerDay : (milliseconds + 1) / millisecondsPerDay - 1
    }

    static func add(_ count: Int, day: Int64, kind: String, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO board_event_day (day, kind, events) VALUES (?, ?, ?)
            ON CONFLICT (day, kind) DO UPDATE SET events = events + excluded.events
            """, arguments: [day, kind, count])
        if count < 0 { try db.execute(sql: "DELETE FROM board_event_day WHERE day = ? AND kind = ? AND events <= 0", arguments: [day, kind]) }
    }

    /// How many events `query` selects: one node's counted directly (a board has few), the fleet's from the days.
    static func count(_ query: EventQuery, in db: Database) throws -> Int {
        let exact = { (query: EventQuery) throws -> Int in
            let (condition, arguments) = query.condition
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM board_event WHERE \(condition)", arguments: arguments) ?? 0
        }
        guard query.node == nil else { return try exact(query) }
        let since = query.since.map(BoardEventRecord.milliseconds)
        let until = query.until.map(BoardEventRecord.milliseconds)
        // Whole days within [since, until): from the first day starting at or after since to the last ending by until.
        let first = since.map { day($0 - 1) + 1 } ?? Int64.min
        let last = until.map { day($0) - 1 } ?? Int64.max
        guard first <= last else { return try exact(query) }
        var clauses = ["day BETWEEN ? AND ?"]
        var arguments: StatementArguments = [first, last]
        if let (clause, values) = query.kindCondition {
            clauses.append(clause)
            arguments += values
        }
        let whole = try Int.fetchOne(db, sql: "SELECT coalesce(sum(events), 0) FROM board_event_day WHERE \(clauses.joined(separator: " AND "))",
                                     arguments: arguments) ?? 0
        var head = query, tail = query
        head.until = first == Int64.min ? nil : Date(timeIntervalSince1970: Double(first * millisecondsPerDay) / 1000)
        tail.since = last == Int64.max ? nil : Date(timeIntervalSince1970: Double((last + 1) * millisecondsPerDay) / 1000)
        return whole + (since == nil ? 0 : try exact(head)) + (until == nil ? 0 : try exact(tail))
    }
}
