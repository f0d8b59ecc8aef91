import Foundation

// NVIDIA dcgm-exporter (`DCGM_FI_*`) on GPU servers.
// Quirks: FB_USED/FB_FREE/FB_RESERVED are MiB (help says "MB"); POWER_USAGE is W; a MIG instance carries
// GPU_I_PROFILE/GPU_I_ID and reports PROF_GR_ENGINE_ACTIVE (0-1) instead of GPU_UTIL, while power stays per
// physical GPU; the UUID label is `UUID` (or `uuid` with --use-old-namespace); the workload's pod/namespace/container
// become exported_* after scraping unless honorLabels keeps them, and then the exporter's own pod fills them too.
// Health (several are off in the default counters file, and then unknown): XID_ERRORS holds the last XID (err_code,
// err_msg in newer versions) and stays set after recovery; CLOCKS_EVENT_REASONS (older CLOCK_THROTTLE_REASONS) is a bit
// mask; ECC_DBE_VOL_TOTAL and ROW_REMAP_FAILURE count; THERMAL_VIOLATION counts the microseconds the GPU was held down
// for heat, so while it grows the GPU throttles. No family says a GPU needs a reset.

public struct DCGMExporter: GPUExporter {
    public let kind = ExporterKind.dcgm
    public let metricPrefix = "DCGM_FI_"
    public let rank = 2
    public let heartbeat = "DCGM_FI_DEV_GPU_TEMP"
    public let modelLabel = (family: "DCGM_FI_DEV_GPU_TEMP", label: "modelName")
    public let inventoryFamilies = ["DCGM_FI_DEV_GPU_TEMP"]
    /// Not the series that the dcgm-compatible rules record for other exporters' GPUs under these names.
    public var ownSeries: Selector { Selector().equal(DCGMCompatibility.sourceLabel, "") }

    static let mebibyte = 1_048_576.0

    public init() {}

    /// One GPU, or one MIG instance of a GPU.
    struct Device: Hashable, Comparable {
        var gpu: Int
        var migInstance: Int?

        static func < (lhs: Device, rhs: Device) -> Bool { (lhs.gpu, lhs.migInstance ?? -1) < (rhs.gpu, rhs.migInstance ?? -1) }
    }

    // MARK: Readings

    public func readings(_ families: MetricFamilies) -> NodeReadings {
        // Per device, each family's newest sample, and its labels as the newest samples have them: a swapped GPU's
        // series and its successor's can both be in the window for a while.
        var newest: [Device: [String: MetricFamilies.Sample]] = [:]
        var samples: [Device: [MetricFamilies.Sample]] = [:]
        for name in families.names.sorted() {
            for sample in families.samples(name) {
                guard let device = Self.device(sample.labels) else { continue }
                samples[device, default: []].append(sample)
                if newest[device]?[name].map({ sample.timestamp > $0.timestamp }) ?? true { newest[device, default: [:]][name] = sample }
            }
        }
        let values = newest.mapValues { $0.compactMapValues(\.value) }.filter { !$0.value.isEmpty }
        let labels = samples.mapValues { all in
            // Stable: of equally new samples, the first keeps its labels, as before a change.
            all.enumerated().sorted { ($0.element.timestamp, -$0.offset) > ($1.element.timestamp, -$1.offset) }
                .reduce(into: [String: String]()) { merged, sample in merged.merge(sample.element.labels) { current, _ in current } }
        }
        let partitioned = Set(values.keys.filter { $0.migInstance != nil }.map(\.gpu))
        // A partitioned GPU is shown as its MIG instances only.
        let devices = Set(values.keys).union(labels.keys).filter { $0.migInstance != nil || !partitioned.contains($0.gpu) }.sorted()

        let gpus = devices.map { device -> NodeGPU.GPU in
            let v = values[device] ?? [:]
            let l = labels[device] ?? [:]
            let used = v["DCGM_FI_DEV_FB_USED"]
            let parts = [used, v["DCGM_FI_DEV_FB_FREE"]]
            let total = parts.contains(nil) ? nil : parts.compactMap { $0 }.reduce(0, +) + (v["DCGM_FI_DEV_FB_RESERVED"] ?? 0)
            return NodeGPU.GPU(
                index: device.gpu,
                name: l["modelName"],
                uuid: l["UUID"] ?? l["uuid"],
                utilizationPercent: v["DCGM_FI_DEV_GPU_UTIL"] ?? v["DCGM_FI_PROF_GR_ENGINE_ACTIVE"].map { percent(fromRatio: $0) },
                memoryUsedBytes: used.map { $0 * Self.mebibyte },
                memoryTotalBytes: total.map { $0 * Self.mebibyte },
                temperatureCelsius: v["DCGM_FI_DEV_GPU_TEMP"] ?? Self.physical(device, values)["DCGM_FI_DEV_GPU_TEMP"],
                powerWatts: v["DCGM_FI_DEV_POWER_USAGE"] ?? Self.physical(device, values)["DCGM_FI_DEV_POWER_USAGE"],
                migProfile: device.migInstance == nil ? nil : l["GPU_I_PROFILE"],
                migInstanceId: device.migInstance
            )
        }

        // Power and temperature are physical: one reading per GPU, however it is partitioned.
        let physicalGPUs = Dictionary(grouping: devices, by: \.gpu).keys.sorted()
        let rails = physicalGPUs.map { gpu in
            NodeGPU.Power.Rail(rail: "gpu\(gpu)", watts: Self.reading(gpu, "DCGM_FI_DEV_POWER_USAGE", values))
        }
        let measured = rails.compactMap(\.watts)
        var temperatures: [NodeGPU.Temperature] = []
        for gpu in physicalGPUs {
            if let celsius = Self.reading(gpu, "DCGM_FI_DEV_GPU_TEMP", values) { temperatures.append(.init(sensor: "gpu\(gpu)", celsius: celsius)) }
            if let celsius = Self.reading(gpu, "DCGM_FI_DEV_MEMORY_TEMP", values) { temperatures.append(.init(sensor: "gpu\(gpu)_memory", celsius: celsius)) }
        }
        let first = devices.first.flatMap { labels[$0] } ?? [:]
        var readings = NodeReadings()
        readings.board = NodeGPU.Board(model: first["modelName"], driverVersion: first["DCGM_FI_DRIVER_VERSION"])
        readings.gpus = gpus
        readings.temperatures = temperatures
        readings.power = NodeGPU.Power(totalWatts: measured.sum, rails: rails)
        readings.processes = Self.workloads(families, devices: Set(devices), labels: labels)
        readings.signals = Self.signals(families)
        return readings
    }

    /// Clock event reasons: hardware slowdown, software and hardware thermal slowdown, hardware power brake.
    static let thermalReasons = 0x8 | 0x20 | 0x40
    static let powerBrakeReason = 0x80

    /// The thermal violation counter: microseconds throttled for heat.
    static let thermalViolation = "DCGM_FI_DEV_THERMAL_VIOLATION"
    /// What the snapshot computes: the share of the last seconds each GPU was throttled for heat.
    static let thermalViolationPercent = thermalViolation + ":percent"

    /// Percent of the time each GPU is held down for heat, from the counter's rate (µs per second / 10⁴).
    static func thermalViolationPercent(in scope: ExpressionScope, rates: CounterRate) -> String {
        "\(rates.perSecond(scope.node.equal(.metricName, thermalViolation), in: scope)) / 10000"
    }

    /// Pure: percent of the time each GPU is held down for heat, from the counter's samples (µs per second / 10⁴).
    public func snapshotRates(_ window: SampleWindow) -> [Series] {
        window.rates(of: Self.thermalViolation, as: Self.thermalViolationPercent, valued: { $0 / 10_000 })
    }

    /// Which families feed which problem, per physical GPU (a MIG instance's series repeat their GPU's).
    static func signals(_ families: MetricFamilies) -> HealthSignals {
        var signals = HealthSignals()
        func perGPU(_ names: [String]) -> [(gpu: Int, value: Double, labels: [String: String])]? {
            guard let name = names.first(where: families.has) else { return nil }
            // The newest sample of each GPU (a changed `err_msg` starts a new series; the old one can linger a while).
            let byGPU = Dictionary(grouping: families.samples(name).filter { device($0.labels) != nil }) { device($0.labels)!.gpu }
            return byGPU.keys.sorted().compactMap { gpu in
                guard let sample = MetricFamilies.newest(byGPU[gpu]!), let value = sample.value else { return nil }
                return (gpu, value, sample.labels)
            }
        }
        if let reasons = perGPU(["DCGM_FI_DEV_CLOCKS_EVENT_REASONS", "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS"]) {
            let mask = { (value: Double) in Int(exactly: value) ?? 0 }
            signals.observe(.thermalThrottling, reasons.filter { mask($0.value) & thermalReasons != 0 }.map { .init(gpu: $0.gpu, value: $0.value) })
            signals.observe(.powerBrake, reasons.filter { mask($0.value) & powerBrakeReason != 0 }.map { .init(gpu: $0.gpu, value: $0.value) })
        }
        // A growing violation counter says the same of a GPU whose reasons do not (or are not exported): its value is
        // the percent of time throttled. No rate yet (a single sample) is no trip, but the signal is there.
        if families.has(thermalViolation) {
            let throttled = Set(signals.trips[.thermalThrottling, default: []].compactMap(\.gpu))
            let growing = perGPU([thermalViolationPercent]) ?? []
            signals.observe(.thermalThrottling, growing.filter { $0.value > 0 && !throttled.contains($0.gpu) }.map { .init(gpu: $0.gpu, value: $0.value) })
        }
        if let xids = perGPU(["DCGM_FI_DEV_XID_ERRORS"]) {
            signals.observe(.xidError, xids.filter { $0.value > 0 }.map { .init(gpu: $0.gpu, value: $0.value, detail: $0.labels["err_msg"]) })
        }
        for (code, name) in [(ProblemCode.eccUncorrectable, "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL"), (.rowRemapFailure, "DCGM_FI_DEV_ROW_REMAP_FAILURE")] {
            if let counts = perGPU([name]) { signals.observe(code, counts.filter { $0.value > 0 }.map { .init(gpu: $0.gpu, value: $0.value) }) }
        }
        return signals
    }

    static func device(_ labels: [String: String]) -> Device? {
        guard let gpu = labels["gpu"].flatMap({ Int($0) }) else { return nil }
        return Device(gpu: gpu, migInstance: labels["GPU_I_ID"].flatMap { Int($0) })
    }

    /// The reading of the physical GPU, from its whole-GPU series or else the first of its MIG instances.
    static func reading(_ gpu: Int, _ name: String, _ values: [Device: [String: Double]]) -> Double? {
        values[Device(gpu: gpu, migInstance: nil)]?[name]
            ?? values.filter { $0.key.gpu == gpu }.sorted { $0.key < $1.key }.lazy.compactMap { $0.value[name] }.first
    }

    static func physical(_ device: Device, _ values: [Device: [String: Double]]) -> [String: Double] {
        values[Device(gpu: device.gpu, migInstance: nil)] ?? [:]
    }

    /// The pods using GPUs. With exported_* labels present (honorLabels: false), those name the workload; else
    /// pod/namespace/container do, except the exporter's own pod that the scrape adds to every series.
    static func workloads(_ families: MetricFamilies, devices: Set<Device>, labels: [Device: [String: String]]) -> [NodeGPU.GPUProcess] {
        let samples = families.names.flatMap { families.samples($0) }
        let exported = samples.contains { $0.labels["exported_pod"] != nil }
        let prefix = exported ? "exported_" : ""
        let exporterPods = exported ? [] : Set(samples.compactMap { entry -> String? in
            guard let job = entry.labels["job"], let pod = entry.labels["pod"], pod.hasPrefix(job) else { return nil }
            return pod
        })
        var seen = Set<[String?]>()
        var processes: [NodeGPU.GPUProcess] = []
        for device in devices.sorted() {
            let l = labels[device] ?? [:]
            guard let pod = l[prefix + "pod"], !pod.isEmpty, !exporterPods.contains(pod) else { continue }
            let uuid = l["UUID"] ?? l["uuid"]
            let key = [pod, l[prefix + "namespace"], l[prefix + "container"], String(device.gpu), device.migInstance.map(String.init)]
            guard seen.insert(key).inserted else { continue }
            processes.append(NodeGPU.GPUProcess(
                name: pod, namespace: l[prefix + "namespace"], container: l[prefix + "container"], gpuIndex: device.gpu, gpuUuid: uuid))
        }
        return processes
    }

    // MARK: PromQL

    public func problemExpressions(_ thresholds: ProblemThresholds, in scope: ExpressionScope, rates: CounterRate) -> [ProblemCode: String] {
        let reasons = "(\(scope.family("DCGM_FI_DEV_CLOCKS_EVENT_REASONS")) or \(scope.family("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS")))"
        // PromQL has no bitwise and: bit b of the mask is floor(mask / b) % 2.
        let bit = { (value: Int) in "floor(\(reasons) / \(value)) % 2" }
        let thermal = [0x8, 0x20, 0x40].map(bit).joined(separator: " + ")
        // As the snapshot reads them: the reasons' mask where it trips, else the share of time throttled.
        let growing = "(\(Self.thermalViolationPercent(in: scope, rates: rates))) > 0"
        return standardProblemExpressions(thresholds, in: scope).merging([
            .thermalThrottling: "(\(reasons) and (\(thermal)) > 0) or on (\(scope.nodeLabel.rawValue), gpu) (\(growing))",
            .powerBrake: "\(reasons) and \(bit(Self.powerBrakeReason)) > 0",
            .xidError: "\(scope.family("DCGM_FI_DEV_XID_ERRORS")) > 0",
            .eccUncorrectable: "\(scope.family("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL")) > 0",
            .rowRemapFailure: "\(scope.family("DCGM_FI_DEV_ROW_REMAP_FAILURE")) > 0",
        ]) { standard, _ in standard }
    }

    public func expression(_ metric: HistoryMetric, in scope: ExpressionScope) -> String? {
        // MIG instances keep their id as `mig_instance`.
        let instance = { (expression: String) in scope.copy(expression, to: "mig_instance", from: "GPU_I_ID") }
        switch metric {
        case .gpuUtilization:
            return instance("\(scope.family("DCGM_FI_DEV_GPU_UTIL")) or (\(scope.family("DCGM_FI_PROF_GR_ENGINE_ACTIVE")) * 100)")
        case .gpuTemperature:
            return instance(scope.family("DCGM_FI_DEV_GPU_TEMP"))
        case .gpuPower:
            return instance(scope.family("DCGM_FI_DEV_POWER_USAGE"))
        case .gpuMemoryUsed:
            return instance("\(scope.family("DCGM_FI_DEV_FB_USED")) * \(Self.mebibyte)")
        case .gpuMemoryTotal:
            // used + free + reserved (where reported), per GPU or MIG instance, in MiB.
            let device = "\(scope.nodeLabel.rawValue), gpu, GPU_I_ID"
            let part = { (name: String) in "sum by (\(device)) (\(scope.family(name)))" }
            return instance("(\(part("DCGM_FI_DEV_FB_USED")) + \(part("DCGM_FI_DEV_FB_FREE")) + (\(part("DCGM_FI_DEV_FB_RESERVED")) or \(part("DCGM_FI_DEV_FB_USED")) * 0)) * \(Self.mebibyte)")
        case .cpuUtilization, .memoryUtilization, .network:
            // Host facts: node-exporter's, where it runs.
            return nil
        case .boardTemperature:
            return "\(scope.copy(scope.family("DCGM_FI_DEV_GPU_TEMP"), to: "sensor", from: "gpu", "(.*)", "gpu$1")) or "
                + scope.copy(scope.family("DCGM_FI_DEV_MEMORY_TEMP"), to: "sensor", from: "gpu", "(.*)", "gpu${1}_memory")
        case .boardPower:
            return scope.copy(scope.family("DCGM_FI_DEV_POWER_USAGE"), to: "rail", from: "gpu", "(.*)", "gpu$1")
        }
    }
}
