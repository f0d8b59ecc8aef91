import Foundation

/// One simulated node: which exporter and hardware it imitates, and an ordinal so nodes do not move in lock-step.
public struct SimulatedBoard: Sendable, Hashable {
    public enum Exporter: String, Sendable, CaseIterable {
        case jetson
        case dcgm
        case nvidiaSMI = "nvidia-smi"

        /// The scrape target's labels a ServiceMonitor would add (job, the exporter pod's namespace, pod, container).
        func targetLabels(node: String) -> [String: String] {
            switch self {
            case .jetson:
                // The jetson ServiceMonitor drops `container`.
                ["job": "jetson-exporter", "namespace": "kubesphere-monitoring-system", "pod": "jetson-exporter-\(podSuffix(node))"]
            case .dcgm:
                ["job": "dcgm-exporter", "namespace": "gpu-operator", "pod": "dcgm-exporter-\(podSuffix(node))", "container": "dcgm-exporter"]
            case .nvidiaSMI:
                ["job": "nvidia-gpu-exporter", "namespace": "monitoring", "pod": "nvidia-gpu-exporter-\(podSuffix(node))",
                 "container": "nvidia-gpu-exporter"]
            }
        }

        /// The exporter a captured page comes from, by its metric names.
        static func of(page: String) -> Exporter {
            page.contains("\nDCGM_FI_") || page.hasPrefix("DCGM_FI_") || page.contains("# HELP DCGM_FI_") ? .dcgm
                : page.contains("nvidia_smi_") ? .nvidiaSMI : .jetson
        }
    }

    public enum Kind: String, Sendable, CaseIterable {
        case xavierNX = "xavier-nx"
        case agxOrin = "agx-orin"
        case orinNano = "orin-nano"
        /// The seed collector on JetPack 6, whose jtop does not know the lower-case zone names: no temperatures.
        case orinNX = "orin-nx"
        /// dcgm-exporter on a server with two A100s, one used by a pod.
        case a100 = "a100"
        /// nvidia_gpu_exporter on a server with one L40S.
        case l40s = "l40s"

        public var exporter: Exporter {
            switch self {
            case .xavierNX, .agxOrin, .orinNano, .orinNX: .jetson
            case .a100: .dcgm
            case .l40s: .nvidiaSMI
            }
        }

        static let jetsonKinds: [Kind] = [.xavierNX, .agxOrin, .orinNano, .orinNX]
    }

    public let node: String
    public let kind: Kind
    public let ordinal: Int
    /// Its faults come and go (`Fault`).
    public var faults = false
    /// What was upgraded or swapped on it while running.
    public var revision = BoardRevision()

    public init(node: String, kind: Kind, ordinal: Int, faults: Bool = false) {
        self.node = node
        self.kind = kind
        self.ordinal = ordinal
        self.faults = faults
    }

    /// `count` nodes. Exporters follow `mix` (weights, e.g. jetson 3, dcgm 1, nvidia-smi 1); Jetson boards cycle
    /// through Xavier NX, AGX Orin, Orin Nano and Orin NX: edge-xavier-nx-01, edge-agx-orin-02, …, gpu-a100-04, gpu-l40s-05.
    public static func fleet(count: Int, mix: [(Exporter, Int)] = [(.jetson, 1)], faults: Bool = false) -> [SimulatedBoard] {
        let pattern = mix.flatMap { exporter, weight in Array(repeating: exporter, count: max(0, weight)) }
        guard !pattern.isEmpty else { return [] }
        var jetsons = 0
        return (0..<max(0, count)).map { index in
            let kind: Kind
            switch pattern[index % pattern.count] {
            case .jetson:
                kind = Kind.jetsonKinds[jetsons % Kind.jetsonKinds.count]
                jetsons += 1
            case .dcgm: kind = .a100
            case .nvidiaSMI: kind = .l40s
            }
            let prefix = kind.exporter == .jetson ? "edge" : "gpu"
            return SimulatedBoard(node: "\(prefix)-\(kind.rawValue)-\(String(format: "%02d", index + 1))", kind: kind, ordinal: index, faults: faults)
        }
    }

    /// `jetson=3,dcgm=1,nvidia-smi=1` (a bare name weighs 1).
    public static func parseMix(_ text: String) -> [(Exporter, Int)]? {
        var mix: [(Exporter, Int)] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard let exporter = Exporter(rawValue: pieces[0]) else { return nil }
            let weight = pieces.count == 2 ? Int(pieces[1]) : 1
            guard let weight, weight >= 0 else { return nil }
            mix.append((exporter, weight))
        }
        return mix.contains { $0.1 > 0 } ? mix : nil
    }

    /// A smooth wave between `low` and `high`; period in seconds.
    func wave(_ time: Double, low: Double, high: Double, period: Double, shift: Double = 0) -> Double {
        let phase = Double(ordinal) * 1.7 + shift
        return low + (high - low) * (0.5 + 0.5 * sin(2 * .pi * time / period + phase))
    }

    /// The page this node's exporter serves at `time`.
    public func render(at time: Double) -> String {
        switch kind.exporter {
        case .jetson: JetsonExposition.render(self, at: time)
        case .dcgm: DCGMExposition.render(self, at: time)
        case .nvidiaSMI: NvidiaSMIExposition.render(self, at: time)
        }
    }
}

/// A stable pod-name suffix per node, like a DaemonSet's.
func podSuffix(_ node: String) -> String {
    let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
    var hash: UInt64 = 1_469_598_103_934_665_603
    for byte in node.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
    return String((0..<5).map { index in alphabet[Int((hash >> (index * 8)) % UInt64(alphabet.count))] })
}
