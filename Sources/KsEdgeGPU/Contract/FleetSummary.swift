import Foundation

/// `GET /edge/summary`: the whole fleet in a few numbers, for the page's counters, without downloading the fleet.
/// The GPU figures are over `online` nodes only: a stale node's values are not current.
public struct FleetSummary: Codable, Sendable, Hashable {
    public var nodes: Counts
    /// Mean of the online nodes' mean GPU utilisation; null when none reports one.
    @Nullable public var meanGPUUtilizationPercent: Double?
    /// The online node with the hottest GPU; null when none reports a GPU temperature.
    @Nullable public var hottestGPU: Hottest?
    /// Sum of the online nodes' power (board input where measured, else their GPUs'); null when none reports power.
    @Nullable public var totalPowerWatts: Double?
    /// How many online nodes the power sum covers (the others do not measure power).
    public var nodesWithPower: Int
    /// Nodes by their worst problem.
    public var health: HealthCounts

    public init(nodes: Counts, meanGPUUtilizationPercent: Double?, hottestGPU: Hottest?, totalPowerWatts: Double?, nodesWithPower: Int,
                health: HealthCounts = HealthCounts(ok: 0, info: 0, warning: 0, critical: 0)) {
        self.nodes = nodes
        self.health = health
        self.meanGPUUtilizationPercent = meanGPUUtilizationPercent
        self.hottestGPU = hottestGPU
        self.totalPowerWatts = totalPowerWatts
        self.nodesWithPower = nodesWithPower
    }

    public struct Counts: Codable, Sendable, Hashable {
        public var total, online, stale, offline: Int

        public init(total: Int, online: Int, stale: Int, offline: Int) {
            self.total = total
            self.online = online
            self.stale = stale
            self.offline = offline
        }
    }

    public struct HealthCounts: Codable, Sendable, Hashable {
        public var ok, info, warning, critical: Int

        public init(ok: Int, info: Int, warning: Int, critical: Int) {
            self.ok = ok
            self.info = info
            self.warning = warning
            self.critical = critical
        }
    }

    public struct Hottest: Codable, Sendable, Hashable {
        public var node: String
        public var celsius: Double

        public init(node: String, celsius: Double) {
            self.node = node
            self.celsius = celsius
        }
    }
}
