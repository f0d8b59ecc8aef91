import Foundation

/// Renders a simulated board's node-exporter page (client_golang's text format: labels sorted, Go float formatting),
/// the families ks-edge-gpu joins into a snapshot: per-core CPU time (cores numbered from 0, every core the board
/// has, offline ones absent), memory, the root filesystem, one network interface, load, and thermal zones under each
/// board's own zone names (°C, as node-exporter converts them). Counters are integrals of the simulated rates, so they
/// only ever grow.
public enum NodeExporterExposition {
    public struct Facts: Sendable {
        /// Cores online (what node_cpu_seconds_total lists).
        public var cores: Int
        public var memoryBytes: Double
        public var diskBytes: Double
        public var interface: String
        /// Thermal zone types, each with its offset from the board's base temperature.
        public var zones: [(type: String, offset: Double)]
    }

    public static func facts(_ kind: SimulatedBoard.Kind) -> Facts {
        switch kind {
        case .xavierNX:
            // MODE_15W_6CORE: all six cores on.
            Facts(cores: 6, memoryBytes: 8_117_817_344, diskBytes: 15_385_378_816, interface: "eth0",
                  zones: [("AO-therm", -1.5), ("CPU-therm", 2.5), ("GPU-therm", 0), ("PLL-therm", 1), ("PMIC-Die", 10), ("thermal-fan-est", 0.85)])
        case .agxOrin:
            Facts(cores: 12, memoryBytes: 64_336_789_504, diskBytes: 61_203_283_968, interface: "eth0",
                  zones: [("CPU-therm", 2), ("GPU-therm", 4), ("CV0-therm", 1), ("CV1-therm", 1.5), ("CV2-therm", 1.2), ("SOC0-therm", 0.5),
                          ("SOC1-therm", 0.8), ("SOC2-therm", 0.3), ("Tj-therm", 4.5), ("Tboard_tegra", -12), ("Tdiode_tegra", -6)])
        case .orinNano:
            Facts(cores: 6, memoryBytes: 7_989_415_936, diskBytes: 62_252_941_312, interface: "enP8p1s0",
                  zones: [("cpu-thermal", 1.2), ("gpu-thermal", 0), ("cv0-thermal", -0.4), ("cv1-thermal", -0.2), ("cv2-thermal", -0.3),
                          ("soc0-thermal", -0.5), ("soc1-thermal", -0.1), ("soc2-thermal", -0.6), ("tj-thermal", 2)])
        case .orinNX:
            Facts(cores: 8, memoryBytes: 16_416_632_832, diskBytes: 117_092_769_792, interface: "enP8p1s0",
                  zones: [("cpu-thermal", 1.5), ("gpu-thermal", 0.5), ("cv0-thermal", -0.2), ("cv1-thermal", 0), ("cv2-thermal", -0.1),
                          ("soc0-thermal", -0.4), ("soc1-thermal", 0.2), ("soc2-thermal", -0.3), ("tj-thermal", 2.5)])
        case .a100:
            Facts(cores: 32, memoryBytes: 540_971_634_688, diskBytes: 1_919_850_381_312, interface: "ens3f0", zones: [])
        case .l40s:
            Facts(cores: 16, memoryBytes: 270_451_060_736, diskBytes: 959_925_190_656, interface: "ens3f0", zones: [])
        }
    }

    public static func render(_ board: SimulatedBoard, at time: Double) -> String {
        let facts = facts(board.kind)
        var out = Writer()
        out.family("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", type: "counter")
        for core in 0..<facts.cores {
            // Busy share u(t) = 0.4 + 0.35 sin(…): idle time is the integral of 1 - u, so it never decreases.
            let period = 90.0
            let phase = Double(board.ordinal) * 1.7 + Double(core)
            let busy = 0.4 * time - 0.35 * period / (2 * .pi) * (cos(2 * .pi * time / period + phase) - cos(phase))
            let idle = time - busy
            for (mode, seconds) in [("idle", idle), ("iowait", busy * 0.01), ("system", busy * 0.3), ("user", busy * 0.69)] {
                out.sample("node_cpu_seconds_total", [("cpu", String(core)), ("mode", mode)], goFloat((seconds * 100).rounded() / 100))
            }
        }
        out.family("node_load1", "1m load average.")
        out.sample("node_load1", [], goFloat((board.wave(time, low: 0.2, high: Double(facts.cores) * 0.6, period: 300) * 100).rounded() / 100))

        let available = (facts.memoryBytes * board.wave(time, low: 0.35, high: 0.8, period: 600, shift: 0.5)).rounded()
        out.family("node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes.")
        out.sample("node_memory_MemAvailable_bytes", [], goFloat(available))
        out.family("node_memory_MemFree_bytes", "Memory information field MemFree_bytes.")
        out.sample("node_memory_MemFree_bytes", [], goFloat((available * 0.6).rounded()))
        out.family("node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes.")
        out.sample("node_memory_MemTotal_bytes", [], goFloat(facts.memoryBytes))

        out.family("node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.")
        out.sample("node_filesystem_avail_bytes", [("device", "/dev/root"), ("fstype", "ext4"), ("mountpoint", "/")], goFloat((facts.diskBytes * 0.42).rounded()))
        out.sample("node_filesystem_avail_bytes", [("device", "tmpfs"), ("fstype", "tmpfs"), ("mountpoint", "/run")], goFloat(812_000_000))
        out.family("node_filesystem_size_bytes", "Filesystem size in bytes.")
        out.sample("node_filesystem_size_bytes", [("device", "/dev/root"), ("fstype", "ext4"), ("mountpoint", "/")], goFloat(facts.diskBytes))
        out.sample("node_filesystem_size_bytes", [("device", "tmpfs"), ("fstype", "tmpfs"), ("mountpoint", "/run")], goFloat(812_000_000))

        // Bytes at 2 MB/s ± 1.5 MB/s received, a quarter of that sent, integrated likewise.
        let period = 200.0
        let phase = Double(board.ordinal)
        let received = 2e6 * time - 1.5e6 * period / (2 * .pi) * (cos(2 * .pi * time / period + phase) - cos(phase))
        for (family, help, value) in [("node_network_receive_bytes_total", "Network device statistic receive_bytes.", received),
                                      ("node_network_transmit_bytes_total", "Network device statistic transmit_bytes.", received / 4)] {
            out.family(family, help, type: "counter")
            out.sample(family, [("device", "lo")], goFloat((time * 1_000).rounded()))
            out.sample(family, [("device", facts.interface)], goFloat(value.rounded()))
        }

        if !facts.zones.isEmpty {
            out.family("node_thermal_zone_temp", "Zone temperature in Celsius")
            for (index, zone) in facts.zones.enumerated() {
                var celsius = ((board.wave(time, low: 38, high: 62, period: 240) + zone.offset) * 1000).rounded() / 1000
                // The sysfs sensor jtop reads too: hot with the board's fault.
                if zone.type.lowercased().hasPrefix("gpu"), Fault.isOn(board, at: time) { celsius = 99.5 }
                out.sample("node_thermal_zone_temp", [("type", zone.type), ("zone", String(index))], goFloat(celsius))
            }
        }
        return out.text
    }

    /// Go's strconv.FormatFloat(v, 'g', -1, 64), as client_golang writes values: the shortest digits that read back,
    /// in exponent form when the exponent is below -4 or at least 6 (`8.117817344e+09`, `1.5e-05`, `123456`).
    static func goFloat(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : value > 0 ? "+Inf" : "-Inf" }
        guard value != 0 else { return "0" }
        // Swift's description is also the shortest round-trip form; take its digits and decimal point.
        var text = "\(abs(value))"
        var exponent = 0
        if let e = text.firstIndex(of: "e") {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        var point = parts[0].count + exponent
        while digits.count > 1, digits.hasPrefix("0") { digits.removeFirst(); point -= 1 }
        while digits.count > 1, digits.hasSuffix("0") { digits.removeLast() }
        let sign = value < 0 ? "-" : ""
        let decimalExponent = point - 1
        if decimalExponent < -4 || decimalExponent >= 6 {
            let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
            let magnitude = abs(decimalExponent)
            return "\(sign)\(mantissa)e\(decimalExponent < 0 ? "-" : "+")\(magnitude < 10 ? "0" : "")\(magnitude)"
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) }
        return sign + digits.prefix(point) + "." + digits.dropFirst(point)
    }
}
