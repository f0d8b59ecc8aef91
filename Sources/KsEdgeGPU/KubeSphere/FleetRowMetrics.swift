import Synchronization

/// The console's node-level GPU metrics of now, from the fleet index's rows: each row holds its node's GPU count,
/// mean load and summed GPU memory, which is all `node_gpu_*` and `cluster_gpu_*` are made of. So the console's node
/// list (sorted and paged over every node) and the cluster's totals cost no Prometheus query; per-GPU, per-core and
/// board metrics, and any past time or range, are still asked of Prometheus.
enum FleetRowMetrics {
    /// The metrics a row answers.
    static let answered: Set<ConsoleMetric> = [.gpuUsage, .gpuTotal, .gpuUtilization, .gpuMemoryUsage, .gpuMemoryTotal, .gpuMemoryUtilization]

    /// Whether rows answer an instant of now asking for `metrics`.
    static func answer(_ metrics: some Sequence<ConsoleMetric>) -> Bool {
        metrics.allSatisfy(answered.contains)
    }

    /// Each node's frame at its newest sample, for the nodes Prometheus still holds data of (not `offline`), as an
    /// instant query over every node lists them.
    static func frames(_ rows: [FleetList.Item]) -> [String: [NodeFrame]] {
        var frames: [String: [NodeFrame]] = [:]
        frames.reserveCapacity(rows.count)
        for row in rows where row.status != .offline {
            if let frame = NodeFrame(row) { frames[row.node] = [frame] }
        }
        return frames
    }
}

/// The rows' frames and KubeSphere's orders of them, worked out once per fleet index (each refresh makes a new one):
/// a page of the node list of now then costs the page, as a page of `/edge/nodes` does.
final class FleetRowFrames: Sendable {
    private struct Worked {
        /// Weak: an index a refresh replaced is not kept alive for its frames.
        weak var index: FleetIndex?
        let frames: [String: [NodeFrame]]
        /// Node names in each order asked for since the index was made, keyed by sort metric and direction.
        var orders: [String: [String]] = [:]
        /// The cluster's totals, keyed by the metrics asked for.
        var totals: [[ClusterMetric]: [MonitoringResult]] = [:]
    }

    private let state = Mutex<Worked?>(nil)

    /// Every listed node's frame in `index`.
    func frames(of index: FleetIndex) -> [String: [NodeFrame]] {
        worked(index).frames
    }

    /// Every listed node of `index` in the order `query` asks for (its node filter aside).
    func ordered(_ index: FleetIndex, _ query: FleetMonitoringRequest) -> [String] {
        let key = "\(query.sortMetric?.rawValue ?? "") \(query.ascending)"
        let worked = worked(index)
        if let order = worked.orders[key] { return order }
        let order = query.ordered(worked.frames)
        state.withLock { if $0?.index === index { $0?.orders[key] = order } }
        return order
    }

    /// The cluster's totals of `metrics` over `index`'s rows.
    func cluster(_ index: FleetIndex, _ metrics: [ClusterMetric]) -> [MonitoringResult] {
        let worked = worked(index)
        if let totals = worked.totals[metrics] { return totals }
        let totals = ClusterMetric.results(metrics, framesByNode: worked.frames, range: false)
        state.withLock { if $0?.index === index { $0?.totals[metrics] = totals } }
        return totals
    }

    private func worked(_ index: FleetIndex) -> Worked {
        if let worked = state.withLock({ $0?.index === index ? $0 : nil }) { return worked }
        let worked = Worked(index: index, frames: FleetRowMetrics.frames(index.fleet.items))
        state.withLock { $0 = worked }
        return worked
    }
}
