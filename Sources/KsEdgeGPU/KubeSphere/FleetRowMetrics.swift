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
