import Foundation

/// One simulated Jetson board: which module it is and a phase so boards do not move in lock-step.
public struct SimulatedBoard: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case xavierNX = "xavier-nx"
        case agxOrin = "agx-orin"
        case orinNano = "orin-nano"
    }

    public let node: String
    public let kind: Kind
    public let ordinal: Int

    public init(node: String, kind: Kind, ordinal: Int) {
        self.node = node
        self.kind = kind
        self.ordinal = ordinal
    }

    /// `count` boards cycling through the kinds: edge-xavier-nx-01, edge-agx-orin-02, edge-orin-nano-03, …
    public static func fleet(count: Int) -> [SimulatedBoard] {
        (0..<max(0, count)).map { index in
            let kind = Kind.allCases[index % Kind.allCases.count]
            return SimulatedBoard(node: "edge-\(kind.rawValue)-\(String(format: "%02d", index + 1))", kind: kind, ordinal: index)
        }
    }

    /// A smooth wave between `low` and `high`; period in seconds.
    func wave(_ time: Double, low: Double, high: Double, period: Double, shift: Double = 0) -> Double {
        let phase = Double(ordinal) * 1.7 + shift
        return low + (high - low) * (0.5 + 0.5 * sin(2 * .pi * time / period + phase))
    }
}
