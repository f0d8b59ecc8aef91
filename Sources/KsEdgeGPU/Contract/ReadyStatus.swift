import Foundation

/// `GET /ready`: whether the server takes requests, when Prometheus last answered, and how old the fleet index is.
public struct ReadyStatus: Codable, Sendable, Equatable {
    /// `ready` once the server listens and the fleet index's first refresh has finished (so fleet requests do not
    /// wait), `starting` before.
    public var status: String
    /// Always `applied`: the server is built only after the migrations ran.
    public var migrations: String
    public var listening: Bool
    /// Null until the first successful Prometheus call.
    @Nullable public var lastPrometheusContact: Date?
    /// Null until the first refresh has made an index.
    @Nullable public var fleetIndex: FleetIndexState?

    public init(listening: Bool, fleetIndexAttempted: Bool, lastPrometheusContact: Date?, fleetIndex: FleetIndexState?) {
        status = listening && fleetIndexAttempted ? "ready" : "starting"
        migrations = "applied"
        self.listening = listening
        self.lastPrometheusContact = lastPrometheusContact
        self.fleetIndex = fleetIndex
    }

    public var isReady: Bool { status == "ready" }
}

/// The fleet index every fleet request is answered from.
public struct FleetIndexState: Codable, Sendable, Hashable {
    /// Where its rows came from.
    public enum Origin: String, Codable, Sendable {
        /// Read from Prometheus by the last refresh.
        case prometheus
        /// The last refresh failed: the index before it, its rows no longer vouched for (`online` became `stale`).
        case kept
        /// Prometheus has not answered since start: the stored snapshots of the inventory's nodes, all `stale`.
        case storage
    }

    public var origin: Origin
    /// Its rows were read from the fleet's recording rules (`ks-edge-gpu rules`) rather than aggregated by the refresh.
    public var recordingRules: Bool
    public var nodes: Int
    /// When Prometheus gave its rows; null for `storage`.
    @Nullable public var readAt: Date?
    /// Seconds since `readAt`; null for `storage`.
    @Nullable public var ageSeconds: Double?

    public init(origin: Origin, recordingRules: Bool, nodes: Int, readAt: Date?, ageSeconds: Double?) {
        self.origin = origin
        self.recordingRules = recordingRules
        self.nodes = nodes
        self.readAt = readAt
        self.ageSeconds = ageSeconds
    }
}
