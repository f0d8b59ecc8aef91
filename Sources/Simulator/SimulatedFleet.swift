import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The simulated boards as they are now: their revisions change while the simulator runs.
final class SimulatedFleet: Sendable {
    private let boards: Mutex<[String: SimulatedBoard]>
    /// In the fleet's order, for `--changes-every`'s round.
    let nodes: [String]

    init(_ fleet: [SimulatedBoard]) {
        boards = Mutex(Dictionary(uniqueKeysWithValues: fleet.map { ($0.node, $0) }))
        nodes = fleet.map(\.node)
    }

    func board(_ node: String) -> SimulatedBoard? { boards.withLock { $0[node] } }

    enum Change: String, Sendable {
        case upgrade, swap
    }

    /// Applies `change` to `node`'s board; its revision after, nil for no such board.
    @discardableResult
    func apply(_ change: Change, to node: String) -> BoardRevision? {
        boards.withLock { boards in
            guard boards[node] != nil else { return nil }
            switch change {
            case .upgrade: boards[node]!.revision.upgrades += 1
            case .swap: boards[node]!.revision.swaps += 1
            }
            return boards[node]!.revision
        }
    }
}

/// `simulate --changes-every`: every interval one more board changes, in the fleet's order, upgrades and swaps taking
/// turns, so the demo's board ledger shows events appearing.
struct FleetChanger: Service {
    let fleet: SimulatedFleet
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var turn = 0
        while !Task.isCancelledOrShuttingDown {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isCancelledOrShuttingDown, !fleet.nodes.isEmpty else { break }
            let node = fleet.nodes[turn % fleet.nodes.count]
            let change: SimulatedFleet.Change = turn % 2 == 0 ? .upgrade : .swap
            fleet.apply(change, to: node)
            logger.notice("\(node): \(change == .upgrade ? "upgraded" : "swapped")", metadata: ["node": "\(node)", "change": "\(change.rawValue)"])
            turn += 1
        }
    }
}
