import Foundation

/// `GET /edge/nodes/{name}/gpu/history`: one series per metric and GPU, core, sensor or rail.
public struct History: Codable, Sendable, Hashable {
    public var node: String
    public var start: Date
    public var end: Date
    /// Seconds between points.
    public var step: Double
    public var series: [HistorySeries]

    public init(node: String, start: Date, end: Date, step: Double, series: [HistorySeries]) {
        self.node = node
        self.start = start
        self.end = end
        self.step = step
        self.series = series
    }
}

public struct HistorySeries: Codable, Sendable, Hashable {
    public var metric: HistoryMetric
    /// `percent`, `celsius`, `watts`, `bytes` or `bytes_per_second`.
    public var unit: String
    public var labels: [String: String]
    /// `[unix seconds, value]` at every step from start to end; the value is null where nothing was recorded.
    public var points: [HistoryPoint]

    public init(metric: HistoryMetric, unit: String, labels: [String: String], points: [HistoryPoint]) {
        self.metric = metric
        self.unit = unit
        self.labels = labels
        self.points = points
    }
}

/// A `[timestamp, value]` pair, as charting libraries and Prometheus itself write them.
public struct HistoryPoint: Codable, Sendable, Hashable {
    public var timestamp: Double
    public var value: Double?

    public init(timestamp: Double, value: Double?) {
        self.timestamp = timestamp
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        timestamp = try container.decode(Double.self)
        value = try container.decode(Double?.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(timestamp)
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

/// The metrics the history offers; the name is the series' `metric`.
public enum HistoryMetric: String, CaseIterable, Sendable, Codable {
    case gpuUtilization = "gpu_utilization"
    case gpuTemperature = "gpu_temperature"
    case gpuPower = "gpu_power"
    case gpuMemoryUsed = "gpu_memory_used"
    case gpuMemoryTotal = "gpu_memory_total"
    case cpuUtilization = "cpu_utilization"
    case boardTemperature = "board_temperature"
    case boardPower = "board_power"
    /// Share of the board's RAM in use (node-exporter's MemAvailable where present).
    case memoryUtilization = "memory_utilization"
    /// Bytes per second over the physical interfaces, one series per `direction` (`receive`, `transmit`).
    case network

    public var unit: String {
        switch self {
        case .gpuUtilization, .cpuUtilization, .memoryUtilization: "percent"
        case .gpuTemperature, .boardTemperature: "celsius"
        case .gpuPower, .boardPower: "watts"
        case .gpuMemoryUsed, .gpuMemoryTotal: "bytes"
        case .network: "bytes_per_second"
        }
    }

    /// The labels a series of this metric carries (`gpu`, `core`, `sensor`, `rail`, …).
    public var labelNames: [String] {
        switch self {
        case .gpuUtilization, .gpuTemperature, .gpuPower, .gpuMemoryUsed, .gpuMemoryTotal: ["gpu", "mig_instance"]
        case .cpuUtilization: ["core"]
        case .boardTemperature: ["sensor"]
        case .boardPower: ["rail"]
        case .memoryUtilization: []
        case .network: ["direction"]
        }
    }
}
