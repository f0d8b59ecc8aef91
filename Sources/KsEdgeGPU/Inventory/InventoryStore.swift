import Foundation

/// What handlers and the refresh service need from the inventory.
public protocol InventoryStore: Sendable {
    func board(_ node: String) async throws -> BoardRecord?
    func boards() async throws -> [BoardRecord]
    /// Inserts new boards and updates known ones; `firstSeen` of a known board never changes,
    /// and `lastSeen` never moves backwards.
    func upsert(_ boards: [BoardRecord]) async throws
    func snapshot(_ node: String) async throws -> NodeGPU?
    func snapshots() async throws -> [NodeGPU]
    /// Stores `snapshot` as the node's last good one (its JSON as served), with its board, in one transaction.
    func saveSnapshot(_ snapshot: EncodedJSON<NodeGPU>, board: BoardRecord) async throws

    // The board ledger.
    /// The facts the ledger last recorded, per node.
    func ledgerFacts() async throws -> [String: [LedgerFact: String]]
    /// One refresh's boards, events and changed facts, in one transaction; an event already recorded is not added again.
    func recordLedger(_ write: LedgerWrite) async throws
    func events(_ query: EventQuery) async throws -> EventList
    /// Deletes up to `limit` of the oldest events before `before`; how many it deleted.
    func pruneEvents(before: Date, limit: Int) async throws -> Int
}

extension InventoryStore {
    /// Stores `snapshot`, encoded here.
    public func saveSnapshot(_ snapshot: NodeGPU, board: BoardRecord) async throws {
        try await saveSnapshot(EncodedJSON(value: snapshot), board: board)
    }
}
