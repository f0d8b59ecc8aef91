import Foundation

// The JSON contract of `GET /edge/nodes/{name}/gpu`, what ks-console reads.
// Units are in the names; a value the source does not carry is null, never 0.

public enum ExporterKind: String, Codable, Sendable, CaseIterable {
    case jetson
    case dcgm
    case nvidiaSMI = "nvidia-smi"
}

public enum NodeStatus: String, Codable, Sendable, CaseIterable {
    /// The newest sample is within 3 scrape intervals.
    case online
    /// Older samples, or the last good snapshot stored in SQLite.
    case stale
    /// Known to the inventory, but Prometheus holds no samples for it.
    case offline
}

/// What contributed to a snapshot: the GPU exporter that describes the node, and node-exporter where it runs there.
public enum DataSource: String, Codable, Sendable, CaseIterable {
    case jetson
    case dcgm
    case nvidiaSMI = "nvidia-smi"
    case nodeExporter = "node-exporter"

    public init(_ exporter: ExporterKind) {
        switch exporter {
        case .jetson: self = .jetson
        case .dcgm: self = .dcgm
        case .nvidiaSMI: self = .nvidiaSMI
        }
    }
}

public struct NodeGPU: Codable, Sendable, Hashable {
    public var node: String
    public var exporter: ExporterKind
    /// The exporter first, then node-exporter when its series were joined in.
    public var sources: [DataSource]
    public var status: NodeStatus
    /// What is wrong with the node, from the same samples.
    public var health: Health
    /// When the newest sample used here was scraped.
    @Nullable public var observedAt: Date?
    public var board: Board
    @Nullable public var uptimeSeconds: Double?
    public var gpus: [GPU]
    public var cpu: CPU
    public var temperatures: [Temperature]
    /// Sensors that report -256 °C: they cannot be read, which is not the same as cold.
    public var offlineSensors: [String]
    public var power: Power
    @Nullable public var fanPercent: Double?
    public var processes: [GPUProcess]
    /// The board's RAM. On a Jetson the GPU shares it (see `GPU.memoryTotalBytes`).
    public var memory: Memory
    /// The root filesystem.
    public var disk: Disk
    /// Summed over the physical interfaces.
    public var network: Network
    /// The 1-minute load average.
    @Nullable public var load1: Double?

    public init(
        node: String, exporter: ExporterKind, sources: [DataSource]? = nil, status: NodeStatus, health: Health = .unknown, observedAt: Date?,
        board: Board = Board(), uptimeSeconds: Double? = nil, gpus: [GPU] = [], cpu: CPU = CPU(), temperatures: [Temperature] = [],
        offlineSensors: [String] = [], power: Power = Power(), fanPercent: Double? = nil, processes: [GPUProcess] = [],
        memory: Memory = Memory(), disk: Disk = Disk(), network: Network = Network(), load1: Double? = nil
    ) {
        self.node = node
        self.exporter = exporter
        self.sources = sources ?? [DataSource(exporter)]
        self.status = status
        self.health = health
        self.observedAt = observedAt
        self.board = board
        self.uptimeSeconds = uptimeSeconds
        self.gpus = gpus
        self.cpu = cpu
        self.temperatures = temperatures
        self.offlineSensors = offlineSensors
        self.power = power
        self.fanPercent = fanPercent
        self.processes = processes
        self.memory = memory
        self.disk = disk
        self.network = network
        self.load1 = load1
    }

    public struct Memory: Codable, Sendable, Hashable, DecodedEmptyWhenMissing {
        public static let unknown = Memory()
        @Nullable public var totalBytes: Double?
        /// What can be allocated without swapping (MemAvailable); null where only free memory is reported.
        @Nullable public var availableBytes: Double?
        @Nullable public var usedBytes: Double?

        public init(totalBytes: Double? = nil, availableBytes: Double? = nil, usedBytes: Double? = nil) {
            self.totalBytes = totalBytes
            self.availableBytes = availableBytes
            self.usedBytes = usedBytes
        }
    }

    public struct Disk: Codable, Sendable, Hashable, DecodedEmptyWhenMissing {
        public static let unknown = Disk()
        @Nullable public var totalBytes: Double?
        /// Available to unprivileged users.
        @Nullable public var availableBytes: Double?

        public init(totalBytes: Double? = nil, availableBytes: Double? = nil) {
            self.totalBytes = totalBytes
            self.availableBytes = availableBytes
        }
    }

    public struct Network: Codable, Sendable, Hashable, DecodedEmptyWhenMissing {
        public static let unknown = Network()
        @Nullable public var receiveBytesPerSecond: Double?
        @Nullable public var transmitBytesPerSecond: Double?

        public init(receiveBytesPerSecond: Double? = nil, transmitBytesPerSecond: Double? = nil) {
            self.receiveBytesPerSecond = receiveBytesPerSecond
            self.transmitBytesPerSecond = transmitBytesPerSecond
        }
    }

    public struct Board: Codable, Sendable, Hashable {
        @Nullable public var model: String?
        @Nullable public var jetpack: String?
        @Nullable public var l4t: String?
        @Nullable public var soc: String?
        @Nullable public var codename: String?
        @Nullable public var module: String?
        @Nullable public var board: String?
        @Nullable public var cudaArch: String?
        @Nullable public var serialNumber: String?
        @Nullable public var nvpmode: String?
        /// NVIDIA driver of a GPU server (dcgm, nvidia-smi); null on Jetson boards.
        @Nullable public var driverVersion: String?
        /// From the inventory: when ks-edge-gpu first and last saw the board.
        @Nullable public var firstSeen: Date?
        @Nullable public var lastSeen: Date?

        public init(
            model: String? = nil, jetpack: String? = nil, l4t: String? = nil, soc: String? = nil, codename: String? = nil,
            module: String? = nil, board: String? = nil, cudaArch: String? = nil, serialNumber: String? = nil,
            nvpmode: String? = nil, driverVersion: String? = nil, firstSeen: Date? = nil, lastSeen: Date? = nil
        ) {
            self.model = model
            self.jetpack = jetpack
            self.l4t = l4t
            self.soc = soc
            self.codename = codename
            self.module = module
            self.board = board
            self.cudaArch = cudaArch
            self.serialNumber = serialNumber
            self.nvpmode = nvpmode
            self.driverVersion = driverVersion
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
        }
    }

    public struct GPU: Codable, Sendable, Hashable {
        public var index: Int
        @Nullable public var name: String?
        @Nullable public var uuid: String?
        @Nullable public var utilizationPercent: Double?
        /// On a Jetson (memory shared with the CPU): the memory the GPU holds where the exporter reports it, else null.
        @Nullable public var memoryUsedBytes: Double?
        /// On a Jetson: the board's RAM, which the GPU shares.
        @Nullable public var memoryTotalBytes: Double?
        @Nullable public var temperatureCelsius: Double?
        @Nullable public var powerWatts: Double?
        /// Set on a MIG instance: its GPU instance profile (`1g.10gb`) and id; the other fields are that instance's.
        @Nullable public var migProfile: String?
        @Nullable public var migInstanceId: Int?

        public init(
            index: Int, name: String? = nil, uuid: String? = nil, utilizationPercent: Double? = nil,
            memoryUsedBytes: Double? = nil, memoryTotalBytes: Double? = nil, temperatureCelsius: Double? = nil,
            powerWatts: Double? = nil, migProfile: String? = nil, migInstanceId: Int? = nil
        ) {
            self.index = index
            self.name = name
            self.uuid = uuid
            self.utilizationPercent = utilizationPercent
            self.memoryUsedBytes = memoryUsedBytes
            self.memoryTotalBytes = memoryTotalBytes
            self.temperatureCelsius = temperatureCelsius
            self.powerWatts = powerWatts
            self.migProfile = migProfile
            self.migInstanceId = migInstanceId
        }
    }

    public struct CPU: Codable, Sendable, Hashable {
        /// Mean over the cores listed; null when no core is reported.
        @Nullable public var averagePercent: Double?
        public var cores: [Core]

        public init(averagePercent: Double? = nil, cores: [Core] = []) {
            self.averagePercent = averagePercent
            self.cores = cores
        }

        public struct Core: Codable, Sendable, Hashable {
            /// 1-based, as the exporter numbers them.
            public var core: Int
            @Nullable public var utilizationPercent: Double?

            public init(core: Int, utilizationPercent: Double?) {
                self.core = core
                self.utilizationPercent = utilizationPercent
            }
        }
    }

    public struct Temperature: Codable, Sendable, Hashable {
        public var sensor: String
        public var celsius: Double

        public init(sensor: String, celsius: Double) {
            self.sensor = sensor
            self.celsius = celsius
        }
    }

    public struct Power: Codable, Sendable, Hashable {
        /// Only where the exporter measures the board's input; a sum of partial rails is not a total.
        @Nullable public var totalWatts: Double?
        public var rails: [Rail]

        public init(totalWatts: Double? = nil, rails: [Rail] = []) {
            self.totalWatts = totalWatts
            self.rails = rails
        }

        public struct Rail: Codable, Sendable, Hashable {
            public var rail: String
            /// Null where the board does not measure this rail.
            @Nullable public var watts: Double?

            public init(rail: String, watts: Double?) {
                self.rail = rail
                self.watts = watts
            }
        }
    }

    public struct GPUProcess: Codable, Sendable, Hashable {
        @Nullable public var pid: Int?
        @Nullable public var name: String?
        @Nullable public var user: String?
        @Nullable public var cpuPercent: Double?
        @Nullable public var memoryBytes: Double?
        @Nullable public var gpuMemoryBytes: Double?
        /// Kubernetes workload (dcgm): `name` is then the pod.
        @Nullable public var namespace: String?
        @Nullable public var container: String?
        /// The GPU the process uses.
        @Nullable public var gpuIndex: Int?
        @Nullable public var gpuUuid: String?

        public init(
            pid: Int? = nil, name: String? = nil, user: String? = nil, cpuPercent: Double? = nil,
            memoryBytes: Double? = nil, gpuMemoryBytes: Double? = nil, namespace: String? = nil, container: String? = nil,
            gpuIndex: Int? = nil, gpuUuid: String? = nil
        ) {
            self.pid = pid
            self.name = name
            self.user = user
            self.cpuPercent = cpuPercent
            self.memoryBytes = memoryBytes
            self.gpuMemoryBytes = gpuMemoryBytes
            self.namespace = namespace
            self.container = container
            self.gpuIndex = gpuIndex
            self.gpuUuid = gpuUuid
        }
    }
}
