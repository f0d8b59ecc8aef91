import Foundation

// What is wrong with a node, in the snapshot's `health`: named the same for every exporter.

public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case info, warning, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A node's worst problem, or `ok` with none.
public enum HealthStatus: String, Codable, Sendable, CaseIterable {
    case ok, info, warning, critical

    public init(worst: Severity?) {
        switch worst {
        case nil: self = .ok
        case .info: self = .info
        case .warning: self = .warning
        case .critical: self = .critical
        }
    }
}

/// Every problem ks-edge-gpu names (`Exporters/Problems.swift` defines when each applies).
public enum ProblemCode: String, Codable, Sendable, CaseIterable {
    case nodeOffline = "node_offline"
    case nodeStale = "node_stale"
    case gpuHot = "gpu_hot"
    case boardHot = "board_hot"
    case thermalThrottling = "thermal_throttling"
    case powerBrake = "power_brake"
    case xidError = "xid_error"
    case eccUncorrectable = "ecc_uncorrectable"
    case rowRemapFailure = "row_remap_failure"
    case gpuResetNeeded = "gpu_reset_needed"
    case sensorOffline = "sensor_offline"
    case memoryPressure = "memory_pressure"
    case diskFilling = "disk_filling"
}

public struct Problem: Codable, Sendable, Hashable {
    public var code: ProblemCode
    public var severity: Severity
    /// The GPU it is about, where it is about one.
    @Nullable public var gpu: Int?
    /// The sensor it is about (temperatures), where it is about one.
    @Nullable public var sensor: String?
    /// The reading that tripped it, in the unit the message names (°C, percent, an XID code).
    @Nullable public var value: Double?
    public var message: String

    public init(code: ProblemCode, severity: Severity, gpu: Int? = nil, sensor: String? = nil, value: Double? = nil, message: String) {
        self.code = code
        self.severity = severity
        self.gpu = gpu
        self.sensor = sensor
        self.value = value
        self.message = message
    }
}

extension NodeGPU {
    public struct Health: Codable, Sendable, Hashable, DecodedEmptyWhenMissing {
        /// Stored before health existed: nothing could be told.
        public static let unknown = Health(problems: [], unknown: ProblemCode.allCases)
        public var status: HealthStatus
        /// Worst first.
        public var problems: [Problem]
        /// Problems none of the node's sources can tell (a signal it does not export), so "none" and "cannot tell" differ.
        public var unknown: [ProblemCode]

        public init(problems: [Problem], unknown: [ProblemCode]) {
            self.problems = problems.sorted {
                ($0.severity, $1.code.order, $1.gpu ?? -1, $1.sensor ?? "") > ($1.severity, $0.code.order, $0.gpu ?? -1, $0.sensor ?? "")
            }
            self.unknown = unknown.sorted { $0.order < $1.order }
            status = HealthStatus(worst: problems.map(\.severity).max())
        }
    }
}

extension ProblemCode {
    /// The order of the definitions: problems of one severity are listed in it.
    var order: Int { Self.allCases.firstIndex(of: self)! }
}
