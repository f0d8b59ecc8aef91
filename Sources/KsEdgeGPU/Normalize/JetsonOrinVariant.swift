// The Orin Nano variant of the Jetson collector (JetPack 6).
// Quirks: adds gpu_usage_ram in kB (`shared` = NvMap memory the GPU holds) and gpu_usage_disk; power rails are
// cpu_gpu_cv, soc and total (= VDD_IN, the board's input), so GPU power alone is not measured; only cpu_1..cpu_6.

enum JetsonOrinVariant {
    static let railNames: Set<String> = ["cpu_gpu_cv", "soc", "total"]

    static func isPresent(_ families: MetricFamilies) -> Bool {
        families.has("gpu_usage_ram")
            || families.samples("gpu_usage_power").contains { railNames.contains($0.labels["power"] ?? "") }
    }

    /// `total` is the board's input, so it is the node total rather than one more rail.
    static func power(_ families: MetricFamilies) -> NodeGPU.Power {
        let all = JetsonSeedFormat.rails(families.samples("gpu_usage_power"))
        return NodeGPU.Power(
            totalWatts: all.first { $0.rail == "total" }?.watts,
            rails: all.filter { $0.rail != "total" }
        )
    }

    /// The iGPU shares system RAM: used = NvMap shared memory, total = RAM.
    static func gpuMemory(_ families: MetricFamilies) -> (used: Double?, total: Double?) {
        let kilobyte = JetsonSeedFormat.kilobyte
        return (
            families.value("gpu_usage_ram", where: "ram", is: "shared").map { $0 * kilobyte },
            families.value("gpu_usage_ram", where: "ram", is: "total").map { $0 * kilobyte }
        )
    }
}
