import Foundation

/// From which temperature, °C, a reading is a warning and from which it is critical.
public struct TemperatureLimits: Sendable, Hashable {
    public var warning: Double
    public var critical: Double

    public init(warning: Double, critical: Double) {
        self.warning = warning
        self.critical = critical
    }
}

/// The temperatures at which a GPU or a board is a problem (settings: `--gpu-hot`, `--board-hot`).
public struct ProblemThresholds: Sendable, Hashable {
    /// A discrete GPU's temperature.
    public var gpuHot: TemperatureLimits
    /// Any sensor of a Jetson board (the Orin's software throttling trip is 99 °C).
    public var boardHot: TemperatureLimits

    public static let standard = ProblemThresholds(gpuHot: .init(warning: 85, critical: 95), boardHot: .init(warning: 90, critical: 99))

    public init(gpuHot: TemperatureLimits, boardHot: TemperatureLimits) {
        self.gpuHot = gpuHot
        self.boardHot = boardHot
    }
}

/// Every problem, defined once for every exporter: pure, from a snapshot and its exporter's `HealthSignals` (each
/// exporter's file says which of its families feed which signal). A problem whose signal the node lacks is listed
/// as unknown; one that cannot concern the node (a discrete GPU's temperature on a Jetson, a Jetson sensor on a
/// server) is neither a problem nor unknown.
public enum Problems {
    /// RAM available below this share of the total, percent.
    static let memoryPressurePercent = 10.0
    /// Root filesystem available below these shares, percent.
    static let diskWarningPercent = 10.0
    static let diskCriticalPercent = 5.0
    /// An offline sensor's reading.
    static let offlineCelsius = -256.0

    public static func health(of node: NodeGPU, signals: HealthSignals, integrated: Bool, thresholds: ProblemThresholds) -> NodeGPU.Health {
        var problems = statusProblem(node.status).map { [$0] } ?? []
        var unknown: [ProblemCode] = []
        if node.status == .offline {
            // No current samples: nothing else can be told.
            return NodeGPU.Health(problems: problems, unknown: ProblemCode.allCases.filter { applies($0, integrated: integrated) && !$0.isStatus })
        }
        for code in ProblemCode.allCases where !code.isStatus && applies(code, integrated: integrated) {
            if let found = evaluate(code, node, signals, thresholds) { problems += found } else { unknown.append(code) }
        }
        return NodeGPU.Health(problems: problems, unknown: unknown)
    }

    /// `health` as it stands when the node's status becomes `status` (a stored snapshot served stale): the same
    /// readings' problems, with the status' own.
    public static func health(_ health: NodeGPU.Health, restatedFor status: NodeStatus) -> NodeGPU.Health {
        NodeGPU.Health(problems: health.problems.filter { !$0.code.isStatus } + (statusProblem(status).map { [$0] } ?? []),
                       unknown: health.unknown)
    }

    static func statusProblem(_ status: NodeStatus) -> Problem? {
        switch status {
        case .online: nil
        case .stale: Problem(code: .nodeStale, severity: .warning, message: "The node's newest data is too old to be current")
        case .offline: Problem(code: .nodeOffline, severity: .critical, message: "Prometheus holds no current samples of the node")
        }
    }

    /// Whether `code` can concern a node of this kind at all.
    static func applies(_ code: ProblemCode, integrated: Bool) -> Bool {
        switch code {
        case .boardHot, .sensorOffline: integrated
        case .gpuHot, .thermalThrottling, .powerBrake, .xidError, .eccUncorrectable, .rowRemapFailure, .gpuResetNeeded: !integrated
        case .nodeOffline, .nodeStale, .memoryPressure, .diskFilling: true
        }
    }

    /// The problems `code` finds on the node, none when it is clear; nil when no source tells.
    static func evaluate(_ code: ProblemCode, _ node: NodeGPU, _ signals: HealthSignals, _ thresholds: ProblemThresholds) -> [Problem]? {
        switch code {
        case .nodeOffline, .nodeStale:
            return []
        case .gpuHot:
            // Physical GPUs once each: MIG instances repeat their GPU's temperature.
            let readings = Dictionary(node.gpus.compactMap { gpu in gpu.temperatureCelsius.map { (gpu.index, $0) } }, uniquingKeysWith: max)
            guard !readings.isEmpty else { return nil }
            return readings.sorted { $0.key < $1.key }.compactMap { problem(code, value: $1, gpu: $0, thresholds: thresholds) }
        case .boardHot:
            guard !node.temperatures.isEmpty else { return nil }
            return node.temperatures.compactMap { problem(code, value: $0.celsius, sensor: $0.sensor, thresholds: thresholds) }
        case .sensorOffline:
            guard !node.temperatures.isEmpty || !node.offlineSensors.isEmpty else { return nil }
            return node.offlineSensors.compactMap { problem(code, value: offlineCelsius, sensor: $0, thresholds: thresholds) }
        case .memoryPressure:
            guard let available = node.memory.availableBytes, let total = node.memory.totalBytes, total > 0 else { return nil }
            return [problem(code, value: available / total * 100, thresholds: thresholds)].compactMap { $0 }
        case .diskFilling:
            guard let available = node.disk.availableBytes, let total = node.disk.totalBytes, total > 0 else { return nil }
            return [problem(code, value: available / total * 100, thresholds: thresholds)].compactMap { $0 }
        case .thermalThrottling, .powerBrake, .xidError, .eccUncorrectable, .rowRemapFailure, .gpuResetNeeded:
            guard let trips = signals.trips[code] else { return nil }
            return trips.compactMap { problem(code, value: $0.value, gpu: $0.gpu, detail: $0.detail, thresholds: thresholds) }
        }
    }

    /// The problem a reading is, or nil where it is none: the one place severities and messages are decided, for
    /// the snapshot and for the fleet's readings from Prometheus alike. `value` is a temperature (°C), a percent
    /// available (RAM, disk), or the signal's value (a clock reason mask, an XID, a count, a recovery action).
    public static func problem(_ code: ProblemCode, value: Double?, gpu: Int? = nil, sensor: String? = nil, detail: String? = nil,
                               thresholds: ProblemThresholds) -> Problem? {
        let subject = gpu.map { "GPU \($0)" } ?? "A GPU"
        let shown = value.map(formatted) ?? "?"
        let make = { (severity: Severity, message: String) in
            Problem(code: code, severity: severity, gpu: gpu, sensor: sensor, value: value, message: message)
        }
        switch code {
        case .nodeOffline, .nodeStale:
            return nil
        case .gpuHot, .boardHot:
            let limits = code == .gpuHot ? thresholds.gpuHot : thresholds.boardHot
            guard let celsius = value, celsius >= limits.warning else { return nil }
            let severity: Severity = celsius >= limits.critical ? .critical : .warning
            let limit = severity == .critical ? limits.critical : limits.warning
            let what = code == .gpuHot ? subject : "Sensor \(sensor ?? "?")"
            return make(severity, "\(what) is at \(shown) °C (\(severity.rawValue) from \(formatted(limit)) °C)")
        case .sensorOffline:
            return make(.info, "Sensor \(sensor ?? "?") cannot be read (it reports -256 °C)")
        case .memoryPressure:
            guard let percent = value, percent < memoryPressurePercent else { return nil }
            return make(.warning, "Only \(shown) % of RAM is available")
        case .diskFilling:
            guard let percent = value, percent < diskWarningPercent else { return nil }
            return make(percent < diskCriticalPercent ? .critical : .warning, "Only \(shown) % of the root filesystem is free")
        case .thermalThrottling: return make(.warning, "\(subject) is slowed down for heat")
        case .powerBrake: return make(.warning, "\(subject) is slowed down by the power brake")
        case .xidError: return make(.critical, "\(subject) reported XID \(shown)" + (detail.map { ": \($0)" } ?? ""))
        case .eccUncorrectable: return make(.critical, "\(subject) has \(shown) uncorrectable ECC errors since the driver loaded")
        case .rowRemapFailure: return make(.critical, "\(subject) failed to remap a memory row")
        case .gpuResetNeeded: return make(.critical, "\(subject) needs \(recoveryAction(value))")
        }
    }

    /// nvidia-smi's recovery actions (`nvidia_smi_gpu_recovery_action`).
    static func recoveryAction(_ value: Double?) -> String {
        switch value {
        case 1: "a GPU reset"
        case 2: "the node rebooted"
        case 3: "its peer-to-peer traffic drained"
        case 4: "draining, then a reset"
        default: "a recovery action (\(value.map(formatted) ?? "?"))"
        }
    }

    /// 96, 95.5, 8.2: at most one decimal, none when whole.
    static func formatted(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }
}

extension ProblemCode {
    /// The node's status, not a reading.
    var isStatus: Bool { self == .nodeOffline || self == .nodeStale }
}
