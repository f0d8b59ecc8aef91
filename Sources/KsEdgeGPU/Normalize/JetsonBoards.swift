// Facts about Jetson modules that the collector does not export: core counts and the iGPU architecture.

enum JetsonBoards {
    /// CPU cores by module, matched against jtop's model string. Longest match first ("Orin NX 8GB" before "Orin NX").
    static let coresByModel: [(match: String, cores: Int)] = [
        ("AGX Orin (32GB", 8), ("AGX Orin", 12), ("Orin NX 8GB", 6), ("Orin NX", 8), ("Orin Nano", 6),
        ("AGX Xavier", 8), ("Xavier NX", 6), ("TX2", 6), ("TX1", 4), ("Nano", 4),
    ]

    /// Cores that can report: an nvpmodel mode like `MODE_15W_6CORE` says how many are on,
    /// else the module's count. Nil when neither is known.
    static func onlineCores(model: String?, nvpmode: String?) -> Int? {
        // `MODE_15W_6CORE` -> 6. (Plain string handling: a Foundation regex here cost a millisecond per request.)
        if let mode = nvpmode,
           let part = mode.split(separator: "_").last(where: { $0.hasSuffix("CORE") }),
           let count = Int(part.dropLast(4)), count > 0 {
            return count
        }
        guard let model else { return nil }
        return coresByModel.first { model.contains($0.match) }?.cores
    }

    static func gpuName(soc: String?) -> String? {
        switch soc {
        case "tegra234": "NVIDIA Ampere iGPU (tegra234)"
        case "tegra194": "NVIDIA Volta iGPU (tegra194)"
        case "tegra186": "NVIDIA Pascal iGPU (tegra186)"
        case "tegra210": "NVIDIA Maxwell iGPU (tegra210)"
        default: nil
        }
    }
}
