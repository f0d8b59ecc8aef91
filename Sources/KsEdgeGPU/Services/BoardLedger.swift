import Foundation
import Synchronization

/// The board ledger's step of each inventory refresh: compares what Prometheus says of every board, and the fleet
/// index's problems, with what the ledger holds (`LedgerComparison`); finds the first sample that showed each confirmed
/// change (`ChangeTimeQuery`); then writes the boards, the events and the changed facts in one transaction.
public final class BoardLedger<Source: MetricsSource, Store: InventoryStore>: Sendable {
    let context: GPUContext<Source, Store>
    let settings: LedgerSettings
    /// The fleet index now, whose problems are the boards' problems.
    let fleetIndex: @Sendable () -> FleetIndex?
    private let state = Mutex<State>(State())

    private struct State {
        var hold = LedgerHold()
        /// When the fleet index whose problems were last compared was read: each fleet read counts once.
        var problemsRead: Date?
    }

    /// How many change-time queries run at once, and how many events one prune deletes.
    static var concurrentQueries: Int { 4 }
    static var pruneBatch: Int { 500 }
    /// At most this many batches per refresh: a long backlog is worked off over several refreshes.
    static var pruneBatchesPerRefresh: Int { 40 }

    public init(context: GPUContext<Source, Store>, settings: LedgerSettings, fleetIndex: @escaping @Sendable () -> FleetIndex? = { nil }) {
        self.context = context
        self.settings = settings
        self.fleetIndex = fleetIndex
    }

    /// Records `observed` (every board Prometheus describes now) with the events it confirms. A change whose beginning
    /// Prometheus cannot tell now is not written: it waits for the next refresh, which confirms it again.
    @discardableResult
    public func record(_ observed: [InventoryQuery.Board]) async throws -> LedgerWrite {
        let now = context.now()
        let stored = try await context.store.ledgerFacts()
        let known = Dictionary(try await context.store.boards().map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
        let (problems, problemsRead) = currentProblems()

        var sightings = observed.map { board in
            LedgerSighting(node: board.node, description: LedgerFact.describing(exporter: board.exporter, board: board.board, gpus: board.gpus),
                           problems: problems.map { LedgerFact.open($0[board.node] ?? []) }, seen: board.seen)
        }
        if let problems {
            // Boards known to the ledger but without series now: their problems (offline) still change.
            let seen = Set(observed.map(\.node))
            for node in Set(problems.keys).union(stored.keys).subtracting(seen).sorted() where stored[node] != nil {
                sightings.append(LedgerSighting(node: node, description: nil, problems: LedgerFact.open(problems[node] ?? []), seen: nil))
            }
        }
        // Compared on a copy: the hold moves on only once the refresh is written.
        var hold = state.withLock { $0.hold }
        let update = LedgerComparison.compare(stored: stored, sightings: sightings, lastSeen: known.mapValues(\.lastSeen), hold: &hold,
                                              now: now, goneAfter: settings.goneAfter.secondsValue)
        let ledgerIsNew = stored.isEmpty
        let byNode = Dictionary(observed.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
        let timed = try await times(of: update.changes, observed: byNode, known: known, ledgerIsNew: ledgerIsNew, now: now)
        // A change whose time Prometheus could not tell waits for the next refresh, which confirms it again; until then
        // its board's agreement does not move past it.
        var postponed = Set<String>()
        for (change, time) in zip(update.changes, timed) where time == nil {
            postponed.insert(change.node)
            hold.pending[change.node, default: [:]][change.fact] = LedgerHold.Pending(value: change.new, sighted: change.sighted, count: 1)
        }
        var write = LedgerWrite()
        write.boards = observed.map { board in
            var record = BoardRecord(node: board.node, exporter: board.exporter, board: board.board, gpus: board.gpus, seen: board.seen)
            record.agreedAt = update.agreed[board.node] == nil || postponed.contains(board.node) ? nil : board.describedUpTo
            return record
        }
        for (change, time) in zip(update.changes, timed) {
            guard let time else { continue }
            write.events.append(Self.event(change, at: time, exporter: byNode[change.node]?.exporter))
            write.facts[change.node, default: [:]][change.fact] = .some(change.new)
            if change.fact == .presence, let initial = update.initialFacts[change.node] {
                for (fact, value) in initial { write.facts[change.node, default: [:]][fact] = value }
            }
        }
        try await context.store.recordLedger(write)
        state.withLock { state in
            state.hold = hold
            if let problemsRead { state.problemsRead = problemsRead }
        }
        return write
    }

    /// The fleet index's problems per node, when it was read from Prometheus since the last comparison; nil otherwise.
    private func currentProblems() -> ([String: [Problem]]?, Date?) {
        guard let index = fleetIndex(), index.origin == .prometheus, let read = index.readAt,
              state.withLock({ $0.problemsRead }) != read else { return (nil, nil) }
        var problems = Dictionary(grouping: index.problems, by: \.node).mapValues { $0.map(\.problem) }
        for row in index.fleet.items where problems[row.node] == nil { problems[row.node] = [] }
        return (problems, read)
    }

    /// Each change's time: of the first sample that showed it; nil where asking Prometheus failed.
    private func times(of changes: [LedgerChange], observed: [String: InventoryQuery.Board], known: [String: BoardRecord],
                       ledgerIsNew: Bool, now: Date) async throws -> [Date?] {
        var times: [Int: Date] = [:]
        try await withThrowingTaskGroup(of: (Int, Date?).self) { group in
            var running = 0
            for (position, change) in changes.enumerated() {
                if running == Self.concurrentQueries {
                    if let (done, time) = try await group.next() { times[done] = time }
                    running -= 1
                }
                group.addTask {
                    do {
                        return (position, try await self.time(of: change, observed: observed[change.node], known: known[change.node],
                                                              ledgerIsNew: ledgerIsNew, now: now))
                    } catch UpstreamError.cancelled {
                        throw CancellationError()
                    } catch {
                        self.context.logger.warning("the time of a board's change could not be read; it is recorded at a later refresh",
                                                    metadata: ["node": "\(change.node)", "change": "\(change.fact.key)", "error": "\(error)"])
                        return (position, nil)
                    }
                }
                running += 1
            }
            for try await (done, time) in group { times[done] = time }
        }
        return changes.indices.map { times[$0] }
    }

    /// When `change` first showed: the first sample that showed it, searched from where the ledger last agreed with the
    /// board (at most `goneAfter` back); for a problem, which Prometheus evaluates rather than samples, the grid instant
    /// its run began or ended (`ProblemTimeQuery`); for `gone`, the board's last sample.
    private func time(of change: LedgerChange, observed: InventoryQuery.Board?, known: BoardRecord?, ledgerIsNew: Bool, now: Date) async throws -> Date {
        let earliest = now.addingTimeInterval(-settings.goneAfter.secondsValue)
        let since: Date
        var shows: @Sendable (InventoryQuery.Board) -> Bool = { _ in true }
        switch change.fact {
        case .problem(let code, let severity, let gpu, let sensor):
            guard let node = NodeName(change.node), let exporter = observed?.exporter ?? known?.exporter else { return change.sighted }
            let query = ProblemTimeQuery(queries: context.queries, thresholds: context.thresholds, node: node, exporter: exporter, code: code,
                                         sighted: change.sighted, now: now, lookback: settings.problemLookback.secondsValue)
            // A node's status has no signal of its own: the sighting's time.
            guard !query.promQL.isEmpty else { return change.sighted }
            var series: [Series] = []
            for promQL in query.promQL { series += try await context.source.queryRange(promQL, start: query.start, end: query.end, step: query.step) }
            let time = change.new != nil ? query.opened(series, severity: severity, gpu: gpu, sensor: sensor)
                : query.closed(series, severity: severity, gpu: gpu, sensor: sensor)
            return time ?? change.sighted
        case .presence where change.new == LedgerFact.gone:
            return change.sighted
        case .presence:
            // Boards there when the ledger began arrived when the inventory first saw them.
            if change.old == nil, ledgerIsNew { return known?.firstSeen ?? observed?.seen ?? change.sighted }
            // A new board's first sample, or a gone one's first after its silence: that silence was longer than
            // goneAfter, so the samples before it are older than the search reaches.
            since = earliest
        case .description, .gpu:
            let (fact, value) = (change.fact, change.new)
            shows = { board in LedgerFact.describing(exporter: board.exporter, board: board.board, gpus: board.gpus)[fact] == value }
            since = known?.agreedAt ?? earliest
        }
        guard let node = NodeName(change.node) else { return change.sighted }
        let query = ChangeTimeQuery(queries: context.queries, node: node, since: max(since, earliest), now: now)
        let series = try await context.source.query(all: query.promQL)
        return query.firstShowing(series, where: shows) ?? change.sighted
    }

    static func event(_ change: LedgerChange, at time: Date, exporter: ExporterKind?) -> BoardEvent {
        switch change.fact {
        case .description(let kind):
            return BoardEvent(node: change.node, kind: kind, old: change.old, new: change.new, observedAt: time)
        case .gpu(let kind, let index):
            return BoardEvent(node: change.node, kind: kind, old: change.old, new: change.new, observedAt: time, gpu: index)
        case .problem(let code, let severity, let gpu, let sensor):
            let opened = change.new != nil
            return BoardEvent(node: change.node, kind: opened ? .problemOpened : .problemClosed, old: opened ? nil : code.rawValue,
                              new: opened ? code.rawValue : nil, observedAt: time, gpu: gpu, sensor: sensor, severity: severity)
        case .presence:
            let kind: BoardEventKind = change.new == LedgerFact.gone ? .gone : change.old == nil ? .firstSeen : .back
            return BoardEvent(node: change.node, kind: kind, old: nil, new: kind == .firstSeen ? exporter?.rawValue : nil, observedAt: time)
        }
    }

    /// Deletes the events older than the retention, a small batch per write, at most a bounded number per call.
    @discardableResult
    public func prune() async throws -> Int {
        let cutoff = context.now().addingTimeInterval(-settings.retention.secondsValue)
        var deleted = 0
        for _ in 0..<Self.pruneBatchesPerRefresh {
            let batch = try await context.store.pruneEvents(before: cutoff, limit: Self.pruneBatch)
            deleted += batch
            if batch < Self.pruneBatch { break }
            await Task.yield()
        }
        return deleted
    }
}

/// How the ledger keeps its events.
public struct LedgerSettings: Sendable {
    public var retention: Duration
    public var goneAfter: Duration
    /// How far before the ledger first saw a problem change its start is looked for: a few fleet refreshes (the
    /// fleet index reads problems once per fleet interval) and scrapes.
    public var problemLookback: Duration

    public init(retention: Duration = .seconds(365 * 86_400), goneAfter: Duration = .seconds(86_400), problemLookback: Duration = .seconds(600)) {
        self.retention = retention
        self.goneAfter = goneAfter
        self.problemLookback = problemLookback
    }
}
