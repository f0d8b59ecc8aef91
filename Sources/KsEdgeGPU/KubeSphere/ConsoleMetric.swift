import Foundation

/// The metrics of KubeSphere's GPU charts, with its names and units (ratios 0-1, bytes, °C, W), plus the edge-board
/// metrics only ks-edge-gpu has. Node-level `node_gpu_*` are derived from the per-GPU values, as KubeSphere does.
public enum ConsoleMetric: String, CaseIterable, Sendable {
    case gpuUsage = "node_gpu_usage"
    case gpuTotal = "node_gpu_total"
    case gpuUtilization = "node_gpu_utilization"
    case gpuMemoryUsage = "node_gpu_memory_usage"
    case gpuMemoryTotal = "node_gpu_memory_total"
    case gpuMemoryUtilization = "node_gpu_memory_utilization"
    case perGPUUtilization = "node_per_gpu_utilization"
    case perGPUMemoryUtilization = "node_per_gpu_memory_utilization"
    case perGPUMemoryUsage = "node_per_gpu_memory_usage"
    case perGPUMemoryAvailable = "node_per_gpu_memory_available"
    case perGPUTemperature = "node_per_gpu_temp"
    case perGPUPower = "node_per_gpu_power_usage"
    case boardTemperature = "node_board_temperature"
    case boardPower = "node_board_power"
    case boardPowerTotal = "node_board_power_total"
    case boardFanSpeed = "node_board_fan_speed"
    case cpuCoreUtilization = "node_cpu_core_utilization"
    case boardUptime = "node_board_uptime"

    /// The history metrics a range of this metric is computed from; empty where ks-edge-gpu keeps no history.
    var historyMetrics: [HistoryMetric] {
        switch self {
        case .gpuUsage, .gpuTotal, .gpuUtilization, .perGPUUtilization: [.gpuUtilization]
        case .gpuMemoryUsage, .perGPUMemoryUsage: [.gpuMemoryUsed]
        case .gpuMemoryTotal: [.gpuMemoryTotal]
        case .gpuMemoryUtilization, .perGPUMemoryUtilization, .perGPUMemoryAvailable: [.gpuMemoryUsed, .gpuMemoryTotal]
        case .perGPUTemperature: [.gpuTemperature]
        case .perGPUPower: [.gpuPower]
        case .boardTemperature: [.boardTemperature]
        case .boardPower: [.boardPower]
        case .cpuCoreUtilization: [.cpuUtilization]
        case .boardPowerTotal, .boardFanSpeed, .boardUptime: []
        }
    }
}

/// What a node reads at one time, in the units of the API; the common ground of a snapshot (one frame) and a
/// history (one frame per step) from which every console metric is computed.
struct NodeFrame: Equatable {
    /// One GPU, or one MIG instance of a GPU.
    struct Device: Hashable {
        var gpu: String
        var instance: String?
    }

    struct GPU: Equatable {
        var utilizationPercent, memoryUsedBytes, memoryTotalBytes, temperatureCelsius, powerWatts: Double?
        var migProfile: String?
    }

    var time: Double
    var gpus: [Device: GPU] = [:]
    var cores: [String: Double] = [:]
    var sensors: [String: Double] = [:]
    var rails: [String: Double] = [:]
    var powerTotalWatts: Double?
    var fanPercent: Double?
    var uptimeSeconds: Double?
    /// A frame made from a fleet row holds no GPUs, only the sums the node-level metrics are made of.
    private var rowTotals: Totals?

    /// What the node-level `node_gpu_*` metrics are: the GPUs listed, the sum of their load ratios, their memory
    /// summed, and the share of memory in use over the GPUs that report both.
    struct Totals: Equatable {
        var gpus: Int
        var usage, memoryUsed, memoryTotal, memoryUtilization: Double?
    }

    var totals: Totals {
        if let rowTotals { return rowTotals }
        let pairs = gpus.values.compactMap { gpu in gpu.memoryUsedBytes.flatMap { used in gpu.memoryTotalBytes.map { (used, $0) } } }
        let capacity = pairs.map(\.1).reduce(0, +)
        return Totals(gpus: gpus.count, usage: gpus.values.compactMap(\.utilizationPercent).map { $0 / 100 }.sum,
                      memoryUsed: gpus.values.compactMap(\.memoryUsedBytes).sum, memoryTotal: gpus.values.compactMap(\.memoryTotalBytes).sum,
                      memoryUtilization: pairs.isEmpty || capacity <= 0 ? nil : pairs.map(\.0).reduce(0, +) / capacity)
    }

    /// A fleet row as one frame at its newest sample's time; nil for a row without one. Its GPUs' sums answer the
    /// node-level metrics (`FleetRowMetrics.answered`); it has no per-GPU, per-core or board series.
    init?(_ row: FleetList.Item) {
        guard let seen = row.lastSeen else { return nil }
        time = seen.timeIntervalSince1970
        let gpus = row.gpuCount ?? 0
        var memoryUtilization: Double?
        if let used = row.gpuMemoryUsedBytes, let total = row.gpuMemoryTotalBytes, total > 0 { memoryUtilization = used / total }
        rowTotals = Totals(gpus: gpus, usage: row.gpuUtilizationPercent.flatMap { gpus > 0 ? $0 * Double(gpus) / 100 : nil },
                           memoryUsed: row.gpuMemoryUsedBytes, memoryTotal: row.gpuMemoryTotalBytes, memoryUtilization: memoryUtilization)
    }

    /// The snapshot as one frame at its scrape time.
    init(_ snapshot: NodeGPU, at time: Double) {
        self.time = time
        for gpu in snapshot.gpus {
            gpus[Device(gpu: String(gpu.index), instance: gpu.migInstanceId.map(String.init))] = GPU(
                utilizationPercent: gpu.utilizationPercent, memoryUsedBytes: gpu.memoryUsedBytes, memoryTotalBytes: gpu.memoryTotalBytes,
                temperatureCelsius: gpu.temperatureCelsius, powerWatts: gpu.powerWatts, migProfile: gpu.migProfile)
        }
        for core in snapshot.cpu.cores { if let value = core.utilizationPercent { cores[String(core.core)] = value } }
        for reading in snapshot.temperatures { sensors[reading.sensor] = reading.celsius }
        for rail in snapshot.power.rails { if let watts = rail.watts { rails[rail.rail] = watts } }
        powerTotalWatts = snapshot.power.totalWatts
        fanPercent = snapshot.fanPercent
        uptimeSeconds = snapshot.uptimeSeconds
    }

    init(time: Double) { self.time = time }

    /// A history as one frame per step; steps with nothing recorded give empty frames.
    static func frames(_ history: History) -> [NodeFrame] { frames(history.series) }

    static func frames(_ history: [HistorySeries]) -> [NodeFrame] {
        guard let first = history.first else { return [] }
        var frames = first.points.map { NodeFrame(time: $0.timestamp) }
        for series in history {
            for (index, point) in series.points.enumerated() where index < frames.count {
                guard let value = point.value else { continue }
                let labels = series.labels
                let device = Device(gpu: labels["gpu"] ?? "0", instance: labels["mig_instance"])
                switch series.metric {
                case .gpuUtilization: frames[index].gpus[device, default: GPU()].utilizationPercent = value
                case .gpuTemperature: frames[index].gpus[device, default: GPU()].temperatureCelsius = value
                case .gpuPower: frames[index].gpus[device, default: GPU()].powerWatts = value
                case .gpuMemoryUsed: frames[index].gpus[device, default: GPU()].memoryUsedBytes = value
                case .gpuMemoryTotal: frames[index].gpus[device, default: GPU()].memoryTotalBytes = value
                case .cpuUtilization: labels["core"].map { frames[index].cores[$0] = value }
                case .boardTemperature: labels["sensor"].map { frames[index].sensors[$0] = value }
                case .boardPower: labels["rail"].map { frames[index].rails[$0] = value }
                // Host facts: the console charts them from its own node monitoring.
                case .memoryUtilization, .network: break
                }
            }
        }
        return frames
    }

    /// The series of `metric` in this frame: labels (besides `node`) -> value. Unknown values give no series.
    func values(_ metric: ConsoleMetric) -> [[String: String]: Double] {
        func perGPU(_ value: (GPU) -> Double?) -> [[String: String]: Double] {
            var result: [[String: String]: Double] = [:]
            for (device, gpu) in gpus {
                guard let value = value(gpu), value.isFinite else { continue }
                var labels = ["gpu": device.gpu]
                if let instance = device.instance { labels["gpu_instance"] = instance }
                if let profile = gpu.migProfile { labels["mig_profile"] = profile }
                result[labels] = value
            }
            return result
        }
        func keyed(_ values: [String: Double], _ label: String, scale: Double = 1) -> [[String: String]: Double] {
            Dictionary(uniqueKeysWithValues: values.map { ([label: $0.key], $0.value * scale) })
        }
        func single(_ value: Double?) -> [[String: String]: Double] { value.map { [[:]: $0] } ?? [:] }

        // The node-level sums, worked out once for whichever of them is asked.
        let totals = totals
        switch metric {
        case .gpuUsage: return single(totals.usage)
        case .gpuTotal: return single(totals.gpus > 0 ? Double(totals.gpus) : nil)
        case .gpuUtilization: return single(totals.usage.flatMap { totals.gpus > 0 ? $0 / Double(totals.gpus) : nil })
        case .gpuMemoryUsage: return single(totals.memoryUsed)
        case .gpuMemoryTotal: return single(totals.memoryTotal)
        case .gpuMemoryUtilization: return single(totals.memoryUtilization)
        case .perGPUUtilization: return perGPU { $0.utilizationPercent.map { $0 / 100 } }
        case .perGPUMemoryUtilization:
            return perGPU { gpu in gpu.memoryUsedBytes.flatMap { used in gpu.memoryTotalBytes.flatMap { $0 > 0 ? used / $0 : nil } } }
        case .perGPUMemoryUsage: return perGPU(\.memoryUsedBytes)
        case .perGPUMemoryAvailable: return perGPU { gpu in gpu.memoryUsedBytes.flatMap { used in gpu.memoryTotalBytes.map { $0 - used } } }
        case .perGPUTemperature: return perGPU(\.temperatureCelsius)
        case .perGPUPower: return perGPU(\.powerWatts)
        case .boardTemperature: return keyed(sensors, "sensor")
        case .boardPower: return keyed(rails, "rail")
        case .boardPowerTotal: return single(powerTotalWatts)
        case .boardFanSpeed: return single(fanPercent.map { $0 / 100 })
        case .cpuCoreUtilization: return keyed(cores, "core", scale: 0.01)
        case .boardUptime: return single(uptimeSeconds)
        }
    }
}

/// Pure: frames of one node -> KubeSphere's envelope, one result per metric.
enum ConsoleMetrics {
    /// The error of a metric asked of frames from the history, which does not hold it; nil for the others.
    static func unavailable(_ metric: ConsoleMetric, _ reason: String) -> String? {
        metric.historyMetrics.isEmpty ? "\(metric.rawValue) \(reason)" : nil
    }

    /// A vector from the newest frame (instant) or a matrix over every frame (range). Frames from the history carry
    /// no board total, fan or uptime: those metrics answer with their own error and the others still answer.
    static func results(node: String, metrics: [ConsoleMetric], frames: [NodeFrame], fromHistory: Bool, range: Bool,
                        noHistory: String = "is only available for now (without time, start or end)") -> [MonitoringResult] {
        metrics.map { metric in
            if fromHistory, let error = unavailable(metric, noHistory) {
                return MonitoringResult(metricName: metric.rawValue, data: MonitoringData(resultType: range ? "matrix" : "vector", result: []),
                                        error: error)
            }
            var points: [[String: String]: [MonitoringPoint]] = [:]
            for frame in range ? frames : Array(frames.suffix(1)) {
                for (labels, value) in frame.values(metric) {
                    points[labels.merging(["node": node]) { _, new in new }, default: []].append(
                        MonitoringPoint(timestamp: frame.time, value: value.roundedToMillionths))
                }
            }
            let series = points.sorted { HistoryQuery.sortKey($0.key).compare(HistoryQuery.sortKey($1.key), options: .numeric) == .orderedAscending }
                .map { labels, values in
                    range ? MonitoringSeries(metric: labels, values: values) : MonitoringSeries(metric: labels, value: values.last)
                }
            return MonitoringResult(metricName: metric.rawValue, data: MonitoringData(resultType: range ? "matrix" : "vector", result: series))
        }
    }
}

/// The cluster-level GPU metrics of the console, summed over every node's GPUs.
public enum ClusterMetric: String, CaseIterable, Sendable {
    case gpuUsage = "cluster_gpu_usage"
    case gpuTotal = "cluster_gpu_total"
    case gpuUtilization = "cluster_gpu_utilization"
    case gpuMemoryUsage = "cluster_gpu_memory_usage"
    case gpuMemoryTotal = "cluster_gpu_memory_total"
    case gpuMemoryUtilization = "cluster_gpu_memory_utilization"

    /// The node-level metric each node contributes.
    var nodeMetrics: [ConsoleMetric] {
        switch self {
        case .gpuUsage: [.gpuUsage]
        case .gpuTotal: [.gpuTotal]
        case .gpuUtilization: [.gpuUsage, .gpuTotal]
        case .gpuMemoryUsage: [.gpuMemoryUsage]
        case .gpuMemoryTotal: [.gpuMemoryTotal]
        case .gpuMemoryUtilization: [.gpuMemoryUsage, .gpuMemoryTotal]
        }
    }

    /// Pure: every node's frames (all over the same steps) -> one series per metric, no labels.
    static func results(_ metrics: [ClusterMetric], framesByNode: [String: [NodeFrame]], range: Bool) -> [MonitoringResult] {
        let steps = framesByNode.values.map(\.count).max() ?? 0
        return metrics.map { metric in
            var points: [MonitoringPoint] = []
            for step in 0..<steps {
                let frames = framesByNode.values.compactMap { $0.indices.contains(step) ? $0[step] : nil }
                // One time per step from a history; from fleet rows, each node's newest sample: the newest of them.
                guard let time = frames.map(\.time).max() else { continue }
                func total(_ name: ConsoleMetric) -> Double? {
                    frames.compactMap { $0.values(name)[[:]] }.sum
                }
                let value: Double?
                switch metric {
                case .gpuUsage: value = total(.gpuUsage)
                case .gpuTotal: value = total(.gpuTotal)
                case .gpuMemoryUsage: value = total(.gpuMemoryUsage)
                case .gpuMemoryTotal: value = total(.gpuMemoryTotal)
                case .gpuUtilization: value = total(.gpuUsage).flatMap { usage in total(.gpuTotal).flatMap { $0 > 0 ? usage / $0 : nil } }
                case .gpuMemoryUtilization:
                    value = total(.gpuMemoryUsage).flatMap { used in total(.gpuMemoryTotal).flatMap { $0 > 0 ? used / $0 : nil } }
                }
                if let value { points.append(MonitoringPoint(timestamp: time, value: value.roundedToMillionths)) }
            }
            let series = points.isEmpty ? [] : [range ? MonitoringSeries(metric: [:], values: points) : MonitoringSeries(metric: [:], value: points.last)]
            return MonitoringResult(metricName: metric.rawValue, data: MonitoringData(resultType: range ? "matrix" : "vector", result: series))
        }
    }
}
