import Foundation

/// What one refresh saw of a board.
public struct LedgerSighting: Sendable, Hashable {
    public var node: String
    /// Its description and GPUs as facts; nil when Prometheus held no series of it.
    public var description: [LedgerFact: String]?
    /// Its problems as facts; nil when this refresh has no new reading of them.
    public var problems: [LedgerFact: String]?
    /// Its newest sample's time, when seen.
    public var seen: Date?

    public init(node: String, description: [LedgerFact: String]?, problems: [LedgerFact: String]?, seen: Date?) {
        self.node = node
        self.description = description
        self.problems = problems
        self.seen = seen
    }
}

/// A change that held for two refreshes, before its exact time is known.
public struct LedgerChange: Sendable, Hashable {
    public var node: String
    public var fact: LedgerFact
    public var old: String?
    public var new: String?
    /// The newest sample's time when the change was first seen: its time where Prometheus cannot tell the first sample
    /// that showed it (problems, which Prometheus evaluates), and the node's last sample for `gone`.
    public var sighted: Date
}

/// Changes seen once and waiting for a second refresh to confirm them, so a board that flaps between two scrapes
/// records nothing. Kept in memory: after a restart a change waits two refreshes again, and is recorded at the same
/// time (the sample's), so nothing is lost or doubled.
public struct LedgerHold: Sendable {
    struct Pending: Sendable, Hashable {
        var value: String?
        var sighted: Date
        var count: Int
    }

    var pending: [String: [LedgerFact: Pending]] = [:]

    public init() {}

    public var isEmpty: Bool { pending.values.allSatisfy(\.isEmpty) }
}

/// The outcome of comparing one refresh with the ledger.
public struct LedgerUpdate: Sendable {
    /// Changes confirmed by this refresh, node by node.
    public var changes: [LedgerChange] = []
    /// The description facts of boards new to the ledger, stored with their `first_seen` without an event each.
    public var initialFacts: [String: [LedgerFact: String]] = [:]
    /// Boards whose description is what the ledger holds, with the sample time at which it was: where the search for a
    /// later change's first sample starts.
    public var agreed: [String: Date] = [:]
}

/// Pure: compares what Prometheus says of each board with what the ledger holds.
public enum LedgerComparison {
    /// - stored: the ledger's facts per node; lastSeen: each known board's last sample time; goneAfter: how long a board
    ///   may send no series before it is `gone`.
    public static func compare(stored: [String: [LedgerFact: String]], sightings: [LedgerSighting], lastSeen: [String: Date],
                               hold: inout LedgerHold, now: Date, goneAfter: TimeInterval) -> LedgerUpdate {
        var update = LedgerUpdate()
        var sighted = Set<String>()
        for sighting in sightings {
            let node = sighting.node
            let facts = stored[node] ?? [:]
            let when = sighting.seen ?? lastSeen[node] ?? now
            var observed: [LedgerFact: String?] = [:]
            if let description = sighting.description {
                sighted.insert(node)
                if facts[.presence] == nil {
                    // New to the ledger: only its arrival is an event; its description is where it starts from.
                    observed[.presence] = LedgerFact.present
                } else {
                    observed[.presence] = LedgerFact.present
                    let keys = Set(facts.keys.filter(\.isDescription)).union(description.keys)
                    for fact in keys { observed[fact] = description[fact] }
                }
            }
            if let problems = sighting.problems, facts[.presence] != nil || sighting.description != nil {
                for fact in Set(facts.keys.filter(\.isProblem)).union(problems.keys) { observed[fact] = problems[fact] }
            }
            var pendingDescription = false
            for (fact, value) in observed.sorted(by: { $0.key.key < $1.key.key }) {
                if facts[fact] == value {
                    hold.pending[node]?[fact] = nil
                    continue
                }
                var entry = LedgerHold.Pending(value: value, sighted: when, count: 1)
                if let held = hold.pending[node]?[fact], held.value == value { entry = held; entry.count += 1 }
                if entry.count >= 2 {
                    hold.pending[node]?[fact] = nil
                    update.changes.append(LedgerChange(node: node, fact: fact, old: facts[fact], new: value, sighted: entry.sighted))
                    if fact == .presence, facts[.presence] == nil, let description = sighting.description {
                        update.initialFacts[node] = description
                    }
                } else {
                    hold.pending[node, default: [:]][fact] = entry
                    if fact.isDescription || fact == .presence { pendingDescription = true }
                }
            }
            if sighting.description != nil, !pendingDescription, let seen = sighting.seen { update.agreed[node] = seen }
            if hold.pending[node]?.isEmpty == true { hold.pending[node] = nil }
        }
        // Boards that sent nothing for longer than goneAfter: gone as of their last sample.
        for (node, facts) in stored where facts[.presence] == LedgerFact.present && !sighted.contains(node) {
            guard let last = lastSeen[node], now.timeIntervalSince(last) > goneAfter else { continue }
            hold.pending[node]?[.presence] = nil
            update.changes.append(LedgerChange(node: node, fact: .presence, old: LedgerFact.present, new: LedgerFact.gone, sighted: last))
        }
        return update
    }
}
