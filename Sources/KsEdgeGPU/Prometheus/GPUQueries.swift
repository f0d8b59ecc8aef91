/// Every PromQL expression ks-edge-gpu sends, in one place.
public struct GPUQueries: Sendable {
    /// The label that names the Kubernetes node (`instance` after the ServiceMonitor's relabelling).
    public let nodeLabel: LabelName
    /// How far back a node's samples are read: Prometheus' own look-back (5 scrape intervals).
    public let window: PromDuration

    public init(nodeLabel: LabelName, scrapeInterval: Duration) {
        self.nodeLabel = nodeLabel
        self.window = PromDuration(seconds: Int(scrapeInterval.components.seconds) * 5)
    }

    static let jetsonFamilies = "gpu_.*"
    static let infoFamilies = "gpu_info_board_info|gpu_info_hardware_info|gpu_nvpmode_info"

    /// All GPU families of one node as raw samples, so their real scrape times come back: one round trip.
    public func nodeSnapshot(_ node: NodeName) -> PromQL {
        .range(
            Selector().matching(.metricName, trustedPattern: Self.jetsonFamilies).equal(nodeLabel, node.rawValue),
            window: window)
    }

    /// The info metrics of every node with their sample times. `timestamp()` drops the metric name;
    /// the families stay apart by their constant labels (`board_info`, `board_hw`, `nvpmode`).
    public var inventory: PromQL {
        PromQL(trusted: "timestamp(\(Selector().matching(.metricName, trustedPattern: Self.infoFamilies).text))")
    }

    /// Fleet values: board model, GPU load, power rails and the `gpu` temperature of every node, newest within the window.
    /// `temperature=~"gpu|"` also matches the families that have no `temperature` label.
    /// `last_over_time` drops metric names; label keys (`board_info`, `gpu`, `power`, `temperature`) tell the families apart.
    public var fleetValues: PromQL {
        let selector = Selector()
            .matching(.metricName, trustedPattern: "gpu_info_board_info|gpu_usage_gpu|gpu_usage_power|gpu_temperatures")
            .matching(LabelName("temperature")!, trustedPattern: "gpu|")
        return PromQL(trusted: "last_over_time(\(selector.text)[\(window.text)])")
    }

    /// The newest sample time per node that Prometheus still considers live (not marked stale).
    public var fleetFreshness: PromQL {
        PromQL(trusted: "max by (\(nodeLabel.rawValue)) (timestamp(\(Selector().matching(.metricName, trustedPattern: "gpu_usage_gpu").text)))")
    }
}
