import Foundation

/// Renders a simulated board in the exact text the Jetson collector serves (see the fixtures):
/// float values as prometheus_client writes them, labels sorted by name, the known quirks included
/// (Xavier NX: an offline `aux` sensor, all power rails 0, cpu_7/cpu_8 = 0; Orin Nano: the variant's families).
public enum JetsonExposition {
    public static func render(_ board: SimulatedBoard, at time: Double) -> String {
        var out = Writer()
        let facts = Facts.of(board)
        out.family("gpu_info_board_info", "Board sys info")
        out.sample("gpu_info_board_info", ["board_info": "info", "jetpack": facts.jetpack, "l4t": facts.l4t, "machine": facts.machine], 1)
        out.family("gpu_info_hardware_info", "Board hardware info")
        out.sample("gpu_info_hardware_info", [
            "board": facts.board, "board_hw": "hardware", "codename": facts.codename, "cuda_arch_bin": facts.cudaArch,
            "module": facts.module, "serial_number": String(1_422_020_000_000 + board.ordinal * 7919 + board.revision.swaps * 104_729), "soc": facts.soc,
        ], 1)
        out.family("gpu_nvpmode_info", "NV power mode")
        out.sample("gpu_nvpmode_info", ["mode": facts.mode, "nvpmode": "mode"], 1)

        let uptime = Int(time) % (40 * 86_400) + 3_600 * (board.ordinal % 24)
        out.family("gpu_uptime", "System uptime")
        out.sample("gpu_uptime", ["uptime": "days"], Double(uptime / 86_400))
        out.sample("gpu_uptime", ["uptime": "hours"], Double(uptime % 86_400 / 3_600))
        out.sample("gpu_uptime", ["uptime": "minutes"], Double(uptime % 3_600 / 60))

        out.family("gpu_usage_cpu", "CPU % schedutil")
        for core in 1...facts.cpuEntries {
            let load = core <= facts.cores ? board.wave(time, low: 5, high: 80, period: 90, shift: Double(core)).rounded() : 0
            out.sample("gpu_usage_cpu", ["cpu": "cpu_\(core)"], load)
        }
        if board.kind == .orinNano {
            out.family("gpu_usage_ram", "Memory usage")
            let used = board.wave(time, low: 2_500_000, high: 5_500_000, period: 300).rounded()
            out.sample("gpu_usage_ram", ["ram": "used"], used)
            out.sample("gpu_usage_ram", ["ram": "shared"], (used * 0.18).rounded())
            out.sample("gpu_usage_ram", ["ram": "total"], 7_802_164)
            out.sample("gpu_usage_ram", ["ram": "free"], 7_802_164 - used - 493_432)
            out.family("gpu_usage_disk", "Disk space usage")
            out.sample("gpu_usage_disk", ["disk": "used"], 31.40312957763672)
            out.sample("gpu_usage_disk", ["disk": "total"], 57.97761917114258)
            out.sample("gpu_usage_disk", ["disk": "available"], 26.57448959350586)
            out.sample("gpu_usage_disk", ["disk": "available_no_root"], 23.60127639770508)
        }
        let gpuLoad = (board.wave(time, low: 0, high: 99, period: 120) * 10).rounded() / 10
        out.family("gpu_usage_gpu", "GPU % schedutil")
        out.sample("gpu_usage_gpu", ["gpu": "val"], gpuLoad)
        out.family("gpu_usage_fan", "Fan usage")
        out.sample("gpu_usage_fan", ["fan": "speed"], (board.wave(time, low: 20, high: 80, period: 600) * 2.55).rounded() / 2.55)

        out.family("gpu_temperatures", "Sensor temperatures")
        for (sensor, offset) in facts.sensors {
            var celsius = offset.map { ((board.wave(time, low: 38, high: 62, period: 240) + $0) * 1000).rounded() / 1000 } ?? -256
            if sensor == "gpu", Fault.isOn(board, at: time) { celsius = 99.5 }
            out.sample("gpu_temperatures", ["temperature": sensor], celsius)
        }
        out.family("gpu_usage_power", "Power usage")
        for (rail, scale) in facts.rails {
            out.sample("gpu_usage_power", ["power": rail], (scale * (0.4 + gpuLoad / 160)).rounded())
        }
        out.family("gpu_processes_info", "Process usage")
        for (offset, name) in ["python3", "deepstream-app"].prefix(facts.processCount).enumerated() {
            out.sample("gpu_processes_info", [
                "cpu": String(board.wave(time, low: 0.2, high: 8, period: 3_600, shift: Double(offset))), "gpu": "I",
                "gpu_memory": String(Int(board.wave(time, low: 400_000, high: 1_600_000, period: 900, shift: Double(offset)))),
                "memory": String(118_713 + offset * 168_631), "name": name, "pid": String(12_845 + offset * 257 + board.ordinal),
                "priority": "20", "process": "info", "state": offset == 0 ? "S" : "R", "type": "Graphic", "user": "root",
            ], 1)
        }
        return out.text
    }

    /// What each module reports that does not move.
    struct Facts {
        var machine, jetpack, l4t, board, codename, cudaArch, module, soc, mode: String
        var cores: Int
        var cpuEntries: Int
        /// Sensor name and offset from the board's base temperature; nil offset = offline (-256).
        var sensors: [(String, Double?)]
        /// Rail name and its draw at full load in mW; 0 = the board lacks the rail.
        var rails: [(String, Double)]
        var processCount: Int

        static func of(_ board: SimulatedBoard) -> Facts {
            var facts = shipped(board)
            if let release = board.revision.release(BoardRevision.jetsonReleases(board.kind)) { (facts.jetpack, facts.l4t) = release }
            return facts
        }

        /// As the module ships.
        static func shipped(_ board: SimulatedBoard) -> Facts {
            switch board.kind {
            case .xavierNX:
                Facts(machine: "NVIDIA Jetson Xavier NX (Developer kit)", jetpack: "4.6", l4t: "32.6.1",
                      board: "699-13668-0000-300 K.0", codename: "Jakku", cudaArch: "7.2", module: "p3668-0000",
                      soc: "tegra194", mode: "MODE_15W_6CORE", cores: 6, cpuEntries: 8,
                      sensors: [("ao", -1.5), ("gpu", 0), ("aux", nil), ("cpu", 2.5), ("thermal", 0.85)],
                      rails: [("cv", 0), ("gpu", 0), ("sys5v", 0)], processCount: 2)
            case .agxOrin:
                Facts(machine: "NVIDIA Jetson AGX Orin (64GB ram)", jetpack: "5.1.2", l4t: "35.4.1",
                      board: "699-13701-0005-500 M.0", codename: "Concord", cudaArch: "8.7", module: "p3701-0005",
                      soc: "tegra234", mode: "MAXN", cores: 12, cpuEntries: 8,
                      sensors: [("gpu", 4), ("tdiode", -6), ("cpu", 2), ("tboard", -12)],
                      rails: [("cv", 8_000), ("gpu", 18_000), ("sys5v", 6_000)], processCount: 2)
            case .orinNX:
                // JetPack 6 with the seed collector: an empty temperature family, and none of its three rails.
                Facts(machine: "NVIDIA Jetson Orin NX (16GB ram)", jetpack: "6.0", l4t: "36.3.0",
                      board: "699-13767-0000-300 K.2", codename: "unknown", cudaArch: "8.7", module: "p3767-0000",
                      soc: "tegra234", mode: "MAXN", cores: 8, cpuEntries: 8, sensors: [],
                      rails: [("cv", 0), ("gpu", 0), ("sys5v", 0)], processCount: 1)
            case .a100, .l40s:
                preconditionFailure("\(board.kind) is not a Jetson board")
            case .orinNano:
                Facts(machine: "NVIDIA Jetson Orin Nano (Developer kit)", jetpack: "6.2", l4t: "36.4.3",
                      board: "699-13767-0005-300 R.1", codename: "unknown", cudaArch: "8.7", module: "p3767-0005",
                      soc: "tegra234", mode: "MAXN_SUPER", cores: 6, cpuEntries: 6,
                      sensors: [("gpu", 0), ("cpu", 1.2), ("soc0", -0.5), ("tj", 2)],
                      rails: [("cpu_gpu_cv", 4_500), ("soc", 2_500), ("total", 11_000)], processCount: 1)
            }
        }
    }
}

/// Prometheus text exposition. Label order is the caller's: prometheus_client and client_golang sort by name,
/// dcgm-exporter does not.
struct Writer {
    private(set) var text = ""

    mutating func family(_ name: String, _ help: String, type: String = "gauge") {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
        let rendered = labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
        text += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(rendered)} \(value)\n"
    }

    /// prometheus_client's way: labels sorted, floats as `pythonFloat`.
    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        sample(name, labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, Self.pythonFloat(value))
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// prometheus_client's floatToGoString: Python's repr, with 1e6 and above in exponent form (`3.41532e+06`).
    static func pythonFloat(_ value: Double) -> String {
        let text = "\(value)"
        guard value > 0, let dot = text.firstIndex(of: "."), !text.contains("e") else { return text }
        let integerDigits = text.distance(from: text.startIndex, to: dot)
        guard integerDigits > 6 else { return text }
        return exponentForm(digits: String(text[..<dot]) + text[text.index(after: dot)...], exponent: integerDigits - 1)
    }

    /// client_golang's `strconv.FormatFloat(v, 'g', -1, 64)`: shortest digits, exponent form from 1e21 down to
    /// 1e6 as Go's %g does for shortest output (`4.8305799168e+10`), integers without a decimal point.
    static func goFloat(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e6 { return String(Int64(value)) }
        let text = "\(abs(value))"
        let sign = value < 0 ? "-" : ""
        guard abs(value) >= 1e6, let dot = text.firstIndex(of: "."), !text.contains("e") else { return sign + text }
        let integerDigits = text.distance(from: text.startIndex, to: dot)
        return sign + exponentForm(digits: String(text[..<dot]) + text[text.index(after: dot)...], exponent: integerDigits - 1)
    }

    /// `d.ddde+XX` from the significant digits and the decimal exponent, trailing zeros removed.
    static func exponentForm(digits: String, exponent: Int) -> String {
        var mantissa = String(digits.first!) + "." + digits.dropFirst()
        while mantissa.last == "0" || mantissa.last == "." { mantissa.removeLast() }
        return "\(mantissa)e+\(String(exponent).leftPadded(to: 2))"
    }

    /// Go's `%f`, as dcgm-exporter writes doubles (`214.562000`).
    static func fixed6(_ value: Double) -> String { String(format: "%.6f", value) }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
