/// What handlers and the refresh service need from the inventory.
public protocol InventoryStore: Sendable {
    func board(_ node: String) async throws -> BoardRecord?
    func boards() async throws -> [BoardRecord]
    /// Inserts new boards and updates known ones; `firstSeen` of a known board never changes,
    /// and `lastSeen` never moves backwards.
    func upsert(_ boards: [BoardRecord]) async throws
    func snapshot(_ node: String) async throws -> NodeGPU?
    func snapshots() async throws -> [NodeGPU]
    /// Stores `snapshot` as the node's last good one, with its board, in one transaction.
    func saveSnapshot(_ snapshot: NodeGPU, board: BoardRecord) async throws
}
