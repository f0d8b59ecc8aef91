import Foundation

// utkuozdemir/nvidia_gpu_exporter (`nvidia_smi_*`) on GPU servers.
// Quirks: every per-GPU series carries only `uuid`, lower case without the `GPU-` prefix (restored here so both
// NVIDIA exporters agree); identity is in nvidia_smi_gpu_info's labels; `*_ratio` is 0-1; memory in bytes;
// power in W; `nvidia_smi_name` is a number parsed from the model name, not an id, so it is ignored.
// Health: clock event reasons are 1 while active, spelled `clocks_event_reasons_*` (newer drivers) or
// `clocks_throttle_reasons_*`; `xid_last_timestamp_seconds{xid}` is when that XID last happened.

public struct NvidiaSMIExporter: GPUExporter {
    public let kind = ExporterKind.nvidiaSMI
    public let metricPrefix = "nvidia_smi_"
    public let rank = 1
    public let heartbeat = "nvidia_smi_temperature_gpu"
    public let modelLabel = (family: "nvidia_smi_gpu_info", label: "name")
    public let inventoryFamilies = ["nvidia_smi_gpu_info"]

    public init() {}

    // MARK: Readings

    public func readings(_ families: MetricFamilies) -> NodeReadings {
        let info = Dictionary(grouping: families.samples("nvidia_smi_gpu_info").filter { $0.labels["uuid"] != nil }) { $0.labels["uuid"]! }
            .compactMapValues { MetricFamilies.newest($0)?.labels }
        // Each UUID's newest sample time, of any family.
        var seen: [String: Double] = [:]
        for name in families.names {
            for sample in families.samples(name) {
                if let uuid = sample.labels["uuid"] { seen[uuid] = max(seen[uuid] ?? sample.timestamp, sample.timestamp) }
            }
        }

        func value(_ name: String, _ uuid: String) -> Double? { families.value(name, where: "uuid", is: uuid) }
        func index(_ uuid: String) -> Int? { info[uuid]?["index"].flatMap { Int($0) } ?? value("nvidia_smi_index", uuid).flatMap { Int(exactly: $0) } }

        // A swapped GPU's series and its successor's can both be in the window for a while: of the UUIDs at one index,
        // the one seen last is the GPU there.
        struct Slot: Hashable { var index: Int?, unindexed: String? }
        let current = Dictionary(grouping: seen.keys) { uuid in index(uuid).map { Slot(index: $0) } ?? Slot(unindexed: uuid) }.values
            .compactMap { uuids in uuids.sorted().max { seen[$0]! < seen[$1]! } }
        let ordered = current.sorted { (index($0) ?? .max, $0) < (index($1) ?? .max, $1) }
        let gpus = ordered.enumerated().map { position, uuid in
            NodeGPU.GPU(
                index: index(uuid) ?? position,
                name: info[uuid]?["name"],
                uuid: Self.canonical(uuid),
                utilizationPercent: value("nvidia_smi_utilization_gpu_ratio", uuid).map { percent(fromRatio: $0) },
                memoryUsedBytes: value("nvidia_smi_memory_used_bytes", uuid),
                memoryTotalBytes: value("nvidia_smi_memory_total_bytes", uuid),
                temperatureCelsius: value("nvidia_smi_temperature_gpu", uuid),
                powerWatts: value("nvidia_smi_power_draw_watts", uuid) ?? value("nvidia_smi_power_draw_average_watts", uuid)
            )
        }
        let rails = gpus.map { NodeGPU.Power.Rail(rail: "gpu\($0.index)", watts: $0.powerWatts) }
        let measured = rails.compactMap(\.watts)
        let fans = ordered.compactMap { value("nvidia_smi_fan_speed_ratio", $0) }
        let first = ordered.first.flatMap { info[$0] } ?? [:]
        let byUUID = Dictionary(gpus.compactMap { gpu in gpu.uuid.map { ($0, gpu.index) } }, uniquingKeysWith: { first, _ in first })

        var readings = NodeReadings()
        readings.board = NodeGPU.Board(
            model: first["name"], cudaArch: first["compute_cap"],
            serialNumber: gpus.count == 1 ? first["serial"] : nil, driverVersion: first["driver_version"])
        readings.gpus = gpus
        readings.temperatures = gpus.compactMap { gpu in gpu.temperatureCelsius.map { .init(sensor: "gpu\(gpu.index)", celsius: $0) } }
        readings.power = NodeGPU.Power(totalWatts: measured.sum, rails: rails)
        readings.fanPercent = fans.mean.map(percent(fromRatio:))
        readings.processes = families.samples("nvidia_smi_compute_app_info").map { sample in
            let uuid = sample.labels["uuid"].map(Self.canonical)
            let memory = families.samples("nvidia_smi_compute_app_used_memory_bytes").first {
                $0.labels["pid"] == sample.labels["pid"] && $0.labels["uuid"] == sample.labels["uuid"]
            }?.value
            return NodeGPU.GPUProcess(
                pid: sample.labels["pid"].flatMap { Int($0) }, name: sample.labels["process_name"], gpuMemoryBytes: memory,
                gpuIndex: uuid.flatMap { byUUID[$0] }, gpuUuid: uuid)
        }
        readings.signals = Self.signals(families, gpu: { uuid in byUUID[Self.canonical(uuid)] })
        return readings
    }

    /// An XID counts while it is this recent, seconds.
    static let recentXID = 600.0

    /// Which families feed which problem.
    static func signals(_ families: MetricFamilies, gpu: (String) -> Int?) -> HealthSignals {
        var signals = HealthSignals()
        func samples(_ names: [String]) -> [MetricFamilies.Sample]? {
            let present = names.flatMap { name in ["clocks_event_reasons_", "clocks_throttle_reasons_"].map { "nvidia_smi_" + $0 + name } }
                .filter(families.has)
            return present.isEmpty ? nil : present.flatMap(families.samples)
        }
        func trips(_ samples: [MetricFamilies.Sample], when tripped: (Double) -> Bool) -> [HealthSignals.Trip] {
            var seen = Set<Int?>()
            return samples.compactMap { sample in
                guard let value = sample.value, tripped(value) else { return nil }
                let index = sample.labels["uuid"].flatMap(gpu)
                return seen.insert(index).inserted ? HealthSignals.Trip(gpu: index, value: value) : nil
            }
        }
        if let thermal = samples(["hw_slowdown", "hw_thermal_slowdown", "sw_thermal_slowdown"]) {
            signals.observe(.thermalThrottling, trips(thermal) { $0 > 0 })
        }
        if let brake = samples(["hw_power_brake_slowdown"]) { signals.observe(.powerBrake, trips(brake) { $0 > 0 }) }
        for (code, name) in [(ProblemCode.eccUncorrectable, "nvidia_smi_ecc_errors_uncorrected_volatile_total"),
                             (.rowRemapFailure, "nvidia_smi_remapped_rows_failure"), (.gpuResetNeeded, "nvidia_smi_gpu_recovery_action")]
        where families.has(name) {
            signals.observe(code, trips(families.samples(name)) { $0 > 0 })
        }
        if families.has("nvidia_smi_xid_last_timestamp_seconds") {
            // Recent as of the scrape that reported it.
            let recent = families.samples("nvidia_smi_xid_last_timestamp_seconds").filter { sample in
                guard let at = sample.value else { return false }
                return at > 0 && sample.timestamp - at <= recentXID
            }
            signals.observe(.xidError, recent.map { sample in
                HealthSignals.Trip(gpu: sample.labels["uuid"].flatMap(gpu), value: sample.labels["xid"].flatMap(Double.init))
            })
        }
        return signals
    }

    /// `5e9b2a71-…` -> `GPU-5e9b2a71-…`, the form nvidia-smi prints and dcgm-exporter uses.
    static func canonical(_ uuid: String) -> String {
        uuid.hasPrefix("GPU-") || uuid.hasPrefix("MIG-") ? uuid : "GPU-" + uuid
    }

    // MARK: PromQL

    public func problemExpressions(_ thresholds: ProblemThresholds, in scope: ExpressionScope, rates: CounterRate) -> [ProblemCode: String] {
        let indexed = { (expression: String) in
            scope.copy("(\(expression)) * on (uuid) group_left (index) \(scope.family("nvidia_smi_gpu_info"))", to: "gpu", from: "index")
        }
        let reasons = { (names: String) in
            let selector = scope.node.matching(.metricName, trustedPattern: "nvidia_smi_clocks_(event|throttle)_reasons_(\(names))")
            return "max by (\(scope.nodeLabel.rawValue), uuid) (\(selector.text)) > 0"
        }
        // Recent as of the scrape that reported it: the sample's own time.
        let xids = scope.family("nvidia_smi_xid_last_timestamp_seconds")
        return standardProblemExpressions(thresholds, in: scope).merging([
            .thermalThrottling: indexed(reasons("hw_slowdown|hw_thermal_slowdown|sw_thermal_slowdown")),
            .powerBrake: indexed(reasons("hw_power_brake_slowdown")),
            .eccUncorrectable: indexed("\(scope.family("nvidia_smi_ecc_errors_uncorrected_volatile_total")) > 0"),
            .rowRemapFailure: indexed("\(scope.family("nvidia_smi_remapped_rows_failure")) > 0"),
            .gpuResetNeeded: indexed("\(scope.family("nvidia_smi_gpu_recovery_action")) > 0"),
            .xidError: indexed("\(xids) > 0 and timestamp(\(xids)) - \(xids) <= \(Self.recentXID)"),
        ]) { standard, _ in standard }
    }

    public func expression(_ metric: HistoryMetric, in scope: ExpressionScope) -> String? {
        // Series carry only `uuid`: the GPU index comes from nvidia_smi_gpu_info.
        let indexed = { (expression: String) in "(\(expression)) * on (uuid) group_left (index) \(scope.family("nvidia_smi_gpu_info"))" }
        switch metric {
        case .gpuUtilization:
            return scope.copy(indexed("\(scope.family("nvidia_smi_utilization_gpu_ratio")) * 100"), to: "gpu", from: "index")
        case .gpuTemperature:
            return scope.copy(indexed(scope.family("nvidia_smi_temperature_gpu")), to: "gpu", from: "index")
        case .gpuPower:
            return scope.copy(indexed(scope.family("nvidia_smi_power_draw_watts")), to: "gpu", from: "index")
        case .gpuMemoryUsed:
            return scope.copy(indexed(scope.family("nvidia_smi_memory_used_bytes")), to: "gpu", from: "index")
        case .gpuMemoryTotal:
            return scope.copy(indexed(scope.family("nvidia_smi_memory_total_bytes")), to: "gpu", from: "index")
        case .cpuUtilization, .memoryUtilization, .network:
            // Host facts: node-exporter's, where it runs.
            return nil
        case .boardTemperature:
            return scope.copy(indexed(scope.family("nvidia_smi_temperature_gpu")), to: "sensor", from: "index", "(.*)", "gpu$1")
        case .boardPower:
            return scope.copy(indexed(scope.family("nvidia_smi_power_draw_watts")), to: "rail", from: "index", "(.*)", "gpu$1")
        }
    }
}
