import Foundation

// The Jetson collector (jtop-based DaemonSet, port 9998, `gpu_*` families), with its Orin Nano variant (JetPack 6).
// Quirks: info metrics carry their data in labels ("unknown" and "" mean absent); power is in mW and a board
// without the cv/gpu/sys5v rails reports 0 for all three; a sensor at -256 is offline; cpu_1..cpu_8 are always
// emitted, so cores beyond the board's count read 0; process memory is 4 KiB pages and GPU memory is kB.
// The variant adds gpu_usage_ram in kB (`shared` = NvMap memory the GPU holds); its power rails are cpu_gpu_cv, soc
// and total (= VDD_IN, the board's input), so GPU power alone is not measured; it writes only cpu_1..cpu_6.
// Health: gpu_temperatures feed board_hot, and its -256 sensors sensor_offline (Problems reads both off the snapshot);
// the variant's gpu_usage_ram feeds memory_pressure where node-exporter does not run.

public struct JetsonCollector: GPUExporter {
    public let kind = ExporterKind.jetson
    public let metricPrefix = "gpu_"
    public let rank = 0
    public let heartbeat = "gpu_usage_gpu"
    public let modelLabel = (family: "gpu_info_board_info", label: "machine")
    public let inventoryFamilies = ["gpu_info_board_info", "gpu_info_hardware_info", "gpu_nvpmode_info"]
    public let isIntegrated = true

    static let pageBytes = 4096.0
    static let kilobyte = 1024.0

    public init() {}

    // MARK: Readings

    public func readings(_ families: MetricFamilies) -> NodeReadings {
        let board = Self.board(families)
        let variant = OrinNanoVariant.isPresent(families)
        let (temperatures, offline) = Self.temperatures(families)
        let power = variant ? OrinNanoVariant.power(families) : Self.seedPower(families)

        var readings = NodeReadings()
        readings.board = board
        readings.uptimeSeconds = Self.uptime(families)
        if families.has("gpu_usage_gpu") || board.model != nil {
            readings.gpus = [NodeGPU.GPU(
                index: 0,
                name: Self.gpuName(soc: board.soc),
                uuid: nil,
                utilizationPercent: families.value("gpu_usage_gpu", where: "gpu", is: "val"),
                // The total is the board's RAM (`NodeReadings.shareBoardWithIntegratedGPU`).
                memoryUsedBytes: variant ? OrinNanoVariant.gpuMemoryUsed(families) : nil,
                temperatureCelsius: temperatures.first { $0.sensor == "gpu" }?.celsius,
                powerWatts: power.rails.first { $0.rail == "gpu" }?.watts
            )]
        }
        readings.cpu = Self.cpu(families, board: board)
        readings.temperatures = temperatures
        readings.offlineSensors = offline
        readings.power = power
        readings.fanPercent = families.value("gpu_usage_fan", where: "fan", is: "speed")
        readings.processes = Self.processes(families)
        if variant { readings.memory = OrinNanoVariant.memory(families) }
        return readings
    }

    static func board(_ families: MetricFamilies) -> NodeGPU.Board {
        let info = families.info("gpu_info_board_info")
        let hardware = families.info("gpu_info_hardware_info")
        return NodeGPU.Board(
            model: info["machine"],
            jetpack: info["jetpack"],
            l4t: info["l4t"],
            soc: hardware["soc"],
            codename: hardware["codename"],
            module: hardware["module"],
            board: hardware["board"],
            cudaArch: hardware["cuda_arch_bin"],
            serialNumber: hardware["serial_number"],
            nvpmode: families.info("gpu_nvpmode_info")["mode"]
        )
    }

    /// days, hours and minutes folded into seconds; null when none is reported.
    static func uptime(_ families: MetricFamilies) -> Double? {
        let parts: [(String, Double)] = [("days", 86_400), ("hours", 3_600), ("minutes", 60)]
        let values = parts.compactMap { part, scale in families.value("gpu_uptime", where: "uptime", is: part).map { $0 * scale } }
        return values.sum
    }

    /// Cores the board does not have (the collector always writes 8) are dropped; the mean is over those kept.
    static func cpu(_ families: MetricFamilies, board: NodeGPU.Board) -> NodeGPU.CPU {
        let limit = onlineCores(model: board.model, nvpmode: board.nvpmode)
        let cores = families.samples("gpu_usage_cpu")
            .compactMap { sample -> NodeGPU.CPU.Core? in
                guard let label = sample.labels["cpu"], label.hasPrefix("cpu_"), let index = Int(label.dropFirst(4)) else { return nil }
                return NodeGPU.CPU.Core(core: index, utilizationPercent: sample.value)
            }
            .filter { limit == nil || $0.core <= limit! }
            .sorted { $0.core < $1.core }
        let known = cores.compactMap(\.utilizationPercent)
        return NodeGPU.CPU(averagePercent: known.mean, cores: cores)
    }

    static func temperatures(_ families: MetricFamilies) -> ([NodeGPU.Temperature], offline: [String]) {
        var readings: [NodeGPU.Temperature] = []
        var offline: [String] = []
        for sample in families.samples("gpu_temperatures") {
            guard let sensor = sample.labels["temperature"] else { continue }
            guard let celsius = sample.value, celsius != offlineSensorCelsius else {
                offline.append(sensor)
                continue
            }
            readings.append(NodeGPU.Temperature(sensor: sensor, celsius: celsius))
        }
        return (readings.sorted { $0.sensor < $1.sensor }, offline.sorted())
    }

    /// cv, gpu and sys5v in mW. All three at 0 means the board has none of these rails: unknown, not 0 W.
    /// They are partial rails, so there is no board total.
    static func seedPower(_ families: MetricFamilies) -> NodeGPU.Power {
        NodeGPU.Power(totalWatts: nil, rails: rails(families.samples("gpu_usage_power")))
    }

    static func rails(_ samples: [MetricFamilies.Sample]) -> [NodeGPU.Power.Rail] {
        let measured = samples.contains { ($0.value ?? 0) != 0 }
        return samples.compactMap { sample in
            sample.labels["power"].map { NodeGPU.Power.Rail(rail: $0, watts: measured ? sample.value.map { $0 / 1000 } : nil) }
        }
    }

    static func processes(_ families: MetricFamilies) -> [NodeGPU.GPUProcess] {
        families.samples("gpu_processes_info").map { sample in
            let labels = sample.labels
            // Label text, so "nan" or "1e400" would read as a number; those are unknown, as such a sample's value is.
            func number(_ name: String) -> Double? { labels[name].flatMap { Double($0) }.flatMap(reading) }
            return NodeGPU.GPUProcess(
                pid: labels["pid"].flatMap { Int($0) },
                name: labels["name"],
                user: labels["user"],
                cpuPercent: number("cpu"),
                memoryBytes: number("memory").map { $0 * pageBytes },
                gpuMemoryBytes: number("gpu_memory").map { $0 * kilobyte },
                // Every process listed uses the board's one iGPU (`gpu="I"`).
                gpuIndex: 0
            )
        }
        .sorted { ($0.gpuMemoryBytes ?? 0, $1.pid ?? 0) > ($1.gpuMemoryBytes ?? 0, $0.pid ?? 0) }
    }

    /// The Orin Nano variant's differences.
    enum OrinNanoVariant {
        static let railNames: Set<String> = ["cpu_gpu_cv", "soc", "total"]

        static func isPresent(_ families: MetricFamilies) -> Bool {
            families.has("gpu_usage_ram")
                || families.samples("gpu_usage_power").contains { railNames.contains($0.labels["power"] ?? "") }
        }

        /// `total` is the board's input, so it is the node total rather than one more rail.
        static func power(_ families: MetricFamilies) -> NodeGPU.Power {
            let all = rails(families.samples("gpu_usage_power"))
            return NodeGPU.Power(
                totalWatts: all.first { $0.rail == "total" }?.watts,
                rails: all.filter { $0.rail != "total" }
            )
        }

        /// The board's RAM as jtop reads /proc/meminfo; it reports free, not available, memory.
        static func memory(_ families: MetricFamilies) -> NodeGPU.Memory {
            NodeGPU.Memory(totalBytes: families.value("gpu_usage_ram", where: "ram", is: "total").map { $0 * kilobyte },
                           availableBytes: nil,
                           usedBytes: families.value("gpu_usage_ram", where: "ram", is: "used").map { $0 * kilobyte })
        }

        /// The memory the iGPU holds: NvMap memory shared with the GPU.
        static func gpuMemoryUsed(_ families: MetricFamilies) -> Double? {
            families.value("gpu_usage_ram", where: "ram", is: "shared").map { $0 * kilobyte }
        }
    }

    // MARK: Board facts the collector does not export

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

    // MARK: PromQL

    public func problemExpressions(_ thresholds: ProblemThresholds, in scope: ExpressionScope, rates: CounterRate) -> [ProblemCode: String] {
        let sensors = { (condition: String) in scope.copy("\(scope.family("gpu_temperatures")) \(condition)", to: "sensor", from: "temperature") }
        return [
            .boardHot: sensors(">= \(thresholds.boardHot.warning)"),
            .sensorOffline: sensors("== \(Int(offlineSensorCelsius))"),
        ]
    }

    public func expression(_ metric: HistoryMetric, in scope: ExpressionScope) -> String? {
        let gpu = { (expression: String) in scope.copy(expression, to: "gpu", from: "", "", "0") }
        switch metric {
        case .gpuUtilization:
            return gpu(scope.family("gpu_usage_gpu"))
        case .gpuTemperature:
            return gpu("\(scope.family("gpu_temperatures", [(.known("temperature"), "gpu")])) > -256")
        case .gpuPower:
            return gpu("\(scope.family("gpu_usage_power", [(.known("power"), "gpu")])) / 1000 \(railsMeasured(scope))")
        case .gpuMemoryUsed:
            // Only the Orin Nano variant reports the memory the iGPU holds (kB); the seed collector has none.
            return gpu("\(scope.family("gpu_usage_ram", [(.known("ram"), "shared")])) * \(Self.kilobyte)")
        case .gpuMemoryTotal:
            return gpu("\(scope.family("gpu_usage_ram", [(.known("ram"), "total")])) * \(Self.kilobyte)")
        case .cpuUtilization:
            return scope.copy(scope.family("gpu_usage_cpu"), to: "core", from: "cpu", "cpu_([0-9]+)")
        case .boardTemperature:
            return scope.copy("\(scope.family("gpu_temperatures")) > -256", to: "sensor", from: "temperature")
        case .boardPower:
            // The variant's `total` is the board's input (the snapshot's power.totalWatts), not one more rail.
            let rails = scope.family("gpu_usage_power", excluding: [(.known("power"), "total")])
            return scope.copy("\(rails) / 1000 \(railsMeasured(scope))", to: "rail", from: "power")
        case .memoryUtilization:
            // The variant's RAM in kB; node-exporter's, where it runs, is preferred over this.
            let ram = { (part: String) in scope.family("gpu_usage_ram", [(.known("ram"), part)]) }
            return "100 * \(ram("used")) / ignoring (ram) \(ram("total"))"
        case .network:
            return nil
        }
    }

    /// Rails that all read 0 are not measured on that board.
    func railsMeasured(_ scope: ExpressionScope) -> String {
        let label = scope.nodeLabel.rawValue
        return "unless on (\(label)) (max by (\(label)) (\(scope.family("gpu_usage_power"))) == 0)"
    }

    /// The variant's `total` rail (VDD_IN) is the board's input, in W, per node; it includes every other rail, so
    /// at 0 they all are: not measured. Boards without it fall back to the GPU rail.
    public func fleetExpression(_ column: FleetColumn, in scope: ExpressionScope) -> String? {
        guard column == .power, let gpuPower = standardFleetExpression(.power, in: scope) else {
            return standardFleetExpression(column, in: scope)
        }
        let label = scope.nodeLabel.rawValue
        let boardInput = "max by (\(label)) (\(scope.family("gpu_usage_power", [(.known("power"), "total")])) > 0) / 1000"
        return boardInput + " or " + gpuPower
    }

    /// A board's model and power mode say how many cores it has; the collector writes 0 for the others.
    public func historyContextFamilies(for metrics: [HistoryMetric]) -> [String] {
        metrics.contains(.cpuUtilization) ? ["gpu_info_board_info", "gpu_nvpmode_info"] : []
    }

    public func historySeriesFilter(context: MetricFamilies) -> HistorySeriesFilter {
        let board = Self.board(context)
        guard let cores = Self.onlineCores(model: board.model, nvpmode: board.nvpmode) else { return { _, _ in true } }
        return { metric, labels in
            guard metric == .cpuUtilization, let core = labels["core"].flatMap({ Int($0) }) else { return true }
            return core <= cores
        }
    }
}
