/// What an operator changed on a simulated board while it runs (`POST /nodes/<node>/upgrade` or `/swap`, or
/// `simulate --changes-every`), so the board ledger has something to record: an upgrade moves a Jetson to the next
/// JetPack (and L4T) its module supports, a GPU server to the next driver; a swap puts another board under the node's
/// name (a new serial; on a server, GPU 1 replaced: a new UUID).
public struct BoardRevision: Sendable, Hashable, Codable {
    public var upgrades = 0
    public var swaps = 0

    public init(upgrades: Int = 0, swaps: Int = 0) {
        self.upgrades = upgrades
        self.swaps = swaps
    }

    /// The JetPack and L4T releases each module runs, oldest first: an upgrade moves one step, the last one stays.
    static func jetsonReleases(_ kind: SimulatedBoard.Kind) -> [(jetpack: String, l4t: String)] {
        switch kind {
        case .xavierNX: [("4.6", "32.6.1"), ("5.1.2", "35.4.1"), ("5.1.3", "35.5.0")]
        case .agxOrin: [("5.1.2", "35.4.1"), ("6.0", "36.3.0"), ("6.2", "36.4.3")]
        case .orinNX: [("6.0", "36.3.0"), ("6.2", "36.4.3"), ("6.2.1", "36.4.4")]
        case .orinNano: [("6.2", "36.4.3"), ("6.2.1", "36.4.4")]
        case .a100, .l40s: []
        }
    }

    /// The NVIDIA drivers each server runs, oldest first.
    static func drivers(_ kind: SimulatedBoard.Kind) -> [String] {
        switch kind {
        case .a100: ["535.183.01", "550.127.05", "570.124.06"]
        case .l40s: ["595.80", "595.97"]
        default: []
        }
    }

    /// The `upgrades`th of `releases`, the last one once there are no more.
    func release<T>(_ releases: [T]) -> T? {
        releases.isEmpty ? nil : releases[min(upgrades, releases.count - 1)]
    }
}
