import Foundation

// The Jetson collector (jtop, `gpu_*` families) -> NodeGPU.
// Quirks: info metrics carry their data in labels ("unknown" and "" mean absent); power is in mW and a board
// without the cv/gpu/sys5v rails reports 0 for all three; a sensor at -256 is offline; cpu_1..cpu_8 are always
// emitted, so cores beyond the board's count read 0; process memory is 4 KiB pages and GPU memory is kB.
// The Orin Nano variant's differences live in JetsonOrinVariant.swift.

public enum JetsonSeedFormat {
    static let offlineSensorReading = -256.0
    static let pageBytes = 4096.0
    static let kilobyte = 1024.0

    public static func normalize(node: String, series: [Series]) -> NodeGPU {
        let families = MetricFamilies(series)
        let board = board(families)
        let variant = JetsonOrinVariant.isPresent(families)
        let (temperatures, offline) = temperatures(families)
        let power = variant ? JetsonOrinVariant.power(families) : seedPower(families)
        let gpuMemory = variant ? JetsonOrinVariant.gpuMemory(families) : (used: nil, total: nil)

        let gpu = NodeGPU.GPU(
            index: 0,
            name: JetsonBoards.gpuName(soc: board.soc),
            uuid: nil,
            utilizationPercent: families.value("gpu_usage_gpu", where: "gpu", is: "val"),
            memoryUsedBytes: gpuMemory.used,
            memoryTotalBytes: gpuMemory.total,
            temperatureCelsius: temperatures.first { $0.sensor == "gpu" }?.celsius,
            powerWatts: power.rails.first { $0.rail == "gpu" }?.watts
        )

        return NodeGPU(
            node: node,
            exporter: .jetson,
            status: .online,
            observedAt: families.newestTimestamp.map { Date(timeIntervalSince1970: $0) },
            board: board,
            uptimeSeconds: uptime(families),
            gpus: families.has("gpu_usage_gpu") || board.model != nil ? [gpu] : [],
            cpu: cpu(families, board: board),
            temperatures: temperatures,
            offlineSensors: offline,
            power: power,
            fanPercent: families.value("gpu_usage_fan", where: "fan", is: "speed"),
            processes: processes(families)
        )
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
        return values.isEmpty ? nil : values.reduce(0, +)
    }

    /// Cores the board does not have (the collector always writes 8) are dropped; the mean is over those kept.
    static func cpu(_ families: MetricFamilies, board: NodeGPU.Board) -> NodeGPU.CPU {
        let limit = JetsonBoards.onlineCores(model: board.model, nvpmode: board.nvpmode)
        let cores = families.samples("gpu_usage_cpu")
            .compactMap { sample -> NodeGPU.CPU.Core? in
                guard let label = sample.labels["cpu"], label.hasPrefix("cpu_"), let index = Int(label.dropFirst(4)) else { return nil }
                return NodeGPU.CPU.Core(core: index, utilizationPercent: sample.value)
            }
            .filter { limit == nil || $0.core <= limit! }
            .sorted { $0.core < $1.core }
        let known = cores.compactMap(\.utilizationPercent)
        return NodeGPU.CPU(averagePercent: known.isEmpty ? nil : known.reduce(0, +) / Double(known.count), cores: cores)
    }

    static func temperatures(_ families: MetricFamilies) -> ([NodeGPU.Temperature], offline: [String]) {
        var readings: [NodeGPU.Temperature] = []
        var offline: [String] = []
        for sample in families.samples("gpu_temperatures") {
            guard let sensor = sample.labels["temperature"] else { continue }
            guard let celsius = sample.value, celsius != offlineSensorReading else {
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
            return NodeGPU.GPUProcess(
                pid: labels["pid"].flatMap { Int($0) },
                name: labels["name"],
                user: labels["user"],
                cpuPercent: labels["cpu"].flatMap { Double($0) },
                memoryBytes: labels["memory"].flatMap { Double($0) }.map { $0 * pageBytes },
                gpuMemoryBytes: labels["gpu_memory"].flatMap { Double($0) }.map { $0 * kilobyte },
                // Every process listed uses the board's one iGPU (`gpu="I"`).
                gpuIndex: 0
            )
        }
        .sorted { ($0.gpuMemoryBytes ?? 0, $1.pid ?? 0) > ($1.gpuMemoryBytes ?? 0, $0.pid ?? 0) }
    }
}
