import Foundation

/// `GET /edge/nodes`: one row per node, for the page and the console's fleet table.
public struct FleetList: Codable, Sendable, Hashable {
    public var items: [Item]
    public var totalItems: Int

    public init(items: [Item], totalItems: Int) {
        self.items = items
        self.totalItems = totalItems
    }

    public struct Item: Codable, Sendable, Hashable {
        public var node: String
        @Nullable public var exporter: ExporterKind?
        public var status: NodeStatus
        @Nullable public var model: String?
        @Nullable public var gpuUtilizationPercent: Double?
        @Nullable public var gpuTemperatureCelsius: Double?
        /// The board's measured input where known, else the summed GPU power, else null.
        @Nullable public var powerWatts: Double?
        /// Share of the board's RAM in use (node-exporter's, else the exporter's own report), null where unknown.
        @Nullable public var memoryUtilizationPercent: Double?
        /// The GPUs with a load reading (each MIG instance one), null where none has.
        @Nullable public var gpuCount: Int?
        /// GPU memory in use and installed, summed over the node's GPUs; null where unknown (an integrated GPU shares
        /// the board's RAM).
        @Nullable public var gpuMemoryUsedBytes: Double?
        @Nullable public var gpuMemoryTotalBytes: Double?
        @Nullable public var lastSeen: Date?
        /// The node's worst problem (its snapshot's `health.status`), or `ok`.
        public var health: HealthStatus
        /// How many problems it has.
        public var problems: Int

        public init(
            node: String, exporter: ExporterKind?, status: NodeStatus, model: String?, gpuUtilizationPercent: Double?,
            gpuTemperatureCelsius: Double?, powerWatts: Double?, memoryUtilizationPercent: Double? = nil, gpuCount: Int? = nil,
            gpuMemoryUsedBytes: Double? = nil, gpuMemoryTotalBytes: Double? = nil, lastSeen: Date?,
            health: HealthStatus = .ok, problems: Int = 0
        ) {
            self.node = node
            self.exporter = exporter
            self.status = status
            self.model = model
            self.gpuUtilizationPercent = gpuUtilizationPercent
            self.gpuTemperatureCelsius = gpuTemperatureCelsius
            self.powerWatts = powerWatts
            self.memoryUtilizationPercent = memoryUtilizationPercent
            self.gpuCount = gpuCount
            self.gpuMemoryUsedBytes = gpuMemoryUsedBytes
            self.gpuMemoryTotalBytes = gpuMemoryTotalBytes
            self.lastSeen = lastSeen
            self.health = health
            self.problems = problems
        }
    }
}

/// `GET /edge/problems`: every current problem in the fleet, worst first, paged like the fleet.
public struct ProblemList: Codable, Sendable, Hashable {
    public var items: [Item]
    public var totalItems: Int

    public init(items: [Item], totalItems: Int) {
        self.items = items
        self.totalItems = totalItems
    }

    /// A snapshot's problem, with its node.
    public struct Item: Codable, Sendable, Hashable {
        public var node: String
        public var code: ProblemCode
        public var severity: Severity
        @Nullable public var gpu: Int?
        @Nullable public var sensor: String?
        @Nullable public var value: Double?
        public var message: String

        /// The problem without its node.
        public var problem: Problem {
            Problem(code: code, severity: severity, gpu: gpu, sensor: sensor, value: value, message: message)
        }

        public init(node: String, _ problem: Problem) {
            self.node = node
            code = problem.code
            severity = problem.severity
            gpu = problem.gpu
            sensor = problem.sensor
            value = problem.value
            message = problem.message
        }
    }
}
