import Foundation

// node-exporter on an edge node (DaemonSet, hostNetwork, port 9100; the ServiceMonitor sets `instance` to the node
// name, as for the GPU exporters). It sees what the GPU exporters miss: every online CPU core
// (`node_cpu_seconds_total{cpu}`, numbered from 0; a core taken offline has no series), RAM (MemTotal, MemAvailable),
// the root filesystem, network counters, load, and the SoC's thermal zones (`node_thermal_zone_temp{type}` in °C, the
// sysfs sensors jtop reads too, under their zone names: `GPU-therm` on Xavier, `gpu-thermal` on Orin).
// It runs on every node, GPU or not, so it never describes a node by itself: its readings are joined into the snapshot
// of a node a GPU exporter describes.
// Health: MemAvailable over MemTotal feeds memory_pressure, the root filesystem disk_filling, and the thermal zones
// board_hot and sensor_offline (Problems reads them off the snapshot).

public struct NodeExporter: Sendable {
    public init() {}

    /// Gauges read as Prometheus holds them (the snapshot selects them beside the GPU families).
    public let families = [
        "node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes", "node_filesystem_size_bytes",
        "node_filesystem_avail_bytes", "node_load1", "node_thermal_zone_temp",
    ]

    /// Names of the rates the query computes (counters mean nothing as they are).
    static let coreBusy = "ks_node_cpu_busy_ratio"
    static let received = "ks_node_network_receive_bytes_per_second"
    static let transmitted = "ks_node_network_transmit_bytes_per_second"
    /// The CPU time counter: its idle series say which cores are online, whether or not a rate can be read yet.
    static let cpuSeconds = "node_cpu_seconds_total"

    /// Whether `name` is one of the families this source reads or computes.
    public func owns(_ name: String) -> Bool {
        name.hasPrefix("node_") || name.hasPrefix("ks_node_")
    }

    /// Interfaces that are not a physical link: loopback, container and CNI plumbing, tunnels, and the USB device-mode
    /// gadgets every Jetson carries (`l4tbr0`, `rndis0`, `usb0`). Traffic over them is counted on a physical one too.
    static let virtualInterfaceNames = [
        "lo", "veth.*", "docker.*", "br-.*", "cni.*", "flannel.*", "cali.*", "tunl.*", "vxlan.*", "kube-.*", "virbr.*",
        "tap.*", "tun.*", "wg.*", "dummy.*", "ifb.*", "edgemesh.*", "nodelocaldns", "l4tbr.*", "rndis.*", "usb.*",
    ]
    /// The same, as a PromQL regular expression.
    static let virtualInterfaces = virtualInterfaceNames.joined(separator: "|")

    static let mode = LabelName.known("mode")
    static let device = LabelName.known("device")

    // MARK: Snapshot

    /// The counters the snapshot reads rates of: CPU time (its idle series) and the network's bytes.
    static let counters = [cpuSeconds, receivedBytes, transmittedBytes]
    static let receivedBytes = "node_network_receive_bytes_total"
    static let transmittedBytes = "node_network_transmit_bytes_total"

    /// Every family the snapshot selects, gauges and counters.
    public var snapshotFamilies: [String] { families + Self.counters }

    /// Matchers the snapshot's selector adds so that only the CPU time counter's idle series come (the others are 7 of
    /// every 8): node-exporter's other modes by name, as other families' `mode` labels (a Jetson's power mode) hold
    /// other values.
    public var snapshotExclusions: Selector {
        Selector().notMatching(Self.mode, trustedPattern: "user|nice|system|iowait|irq|softirq|steal")
    }

    /// Pure: what the snapshot computes from node-exporter's counters, each per node: the cores' busy shares (1 - idle
    /// time per second, 0-1, labelled `cpu`) and the bytes per second summed over the physical interfaces.
    public func snapshotRates(_ window: SampleWindow) -> [Series] {
        let busy = window.rates(of: Self.cpuSeconds, as: Self.coreBusy, where: { $0[Self.mode.rawValue] == "idle" },
                                valued: { min(1, max(0, 1 - $0)) })
        let physical = { (labels: [String: String]) in !Self.isVirtual(labels[Self.device.rawValue] ?? "") }
        let network = [(Self.receivedBytes, Self.received), (Self.transmittedBytes, Self.transmitted)].compactMap { counter, name -> Series? in
            let rates = window.rates(of: counter, as: name, where: physical)
            guard let time = rates.compactMap(\.latest?.timestamp).max() else { return nil }
            return Series(labels: ["__name__": name], points: [.init(timestamp: time, value: rates.compactMap(\.latest?.value).reduce(0, +))])
        }
        return busy + network
    }

    /// Whether `device` is one of `virtualInterfaceNames`, read as the PromQL regular expression reads them (whole
    /// names, or prefixes where they end in `.*`).
    static func isVirtual(_ device: String) -> Bool {
        virtualInterfaceNames.contains { $0.hasSuffix(".*") ? device.hasPrefix($0.dropLast(2)) : device == $0 }
    }

    // MARK: PromQL

    func idleCounters(_ scope: ExpressionScope) -> Selector {
        scope.node.equal(.metricName, Self.cpuSeconds).equal(Self.mode, "idle")
    }

    /// Busy share of each core (0-1): 1 - idle time per second. Labelled `cpu`, numbered from 0 as node-exporter has it.
    func coreBusy(_ scope: ExpressionScope, rates: CounterRate) -> String {
        "clamp(1 - \(rates.perSecond(idleCounters(scope), in: scope)), 0, 1)"
    }

    /// Bytes per second, summed per node over the physical interfaces.
    func network(_ family: String, _ scope: ExpressionScope, rates: CounterRate) -> String {
        let selector = scope.node.equal(.metricName, family).notMatching(Self.device, trustedPattern: Self.virtualInterfaces)
        return "sum by (\(scope.nodeLabel.rawValue)) (\(rates.perSecond(selector, in: scope)))"
    }

    /// Percent of RAM in use, per node.
    func memoryUtilization(_ scope: ExpressionScope) -> String {
        "100 * (1 - \(scope.family("node_memory_MemAvailable_bytes")) / \(scope.family("node_memory_MemTotal_bytes")))"
    }

    /// The history metrics node-exporter measures; nil for the others. Series carry `HistoryMetric.labelNames`, but
    /// for `cpu_utilization`, whose `cpu` label becomes `core` in `historyLabels`.
    public func expression(_ metric: HistoryMetric, in scope: ExpressionScope, rates: CounterRate) -> String? {
        switch metric {
        case .memoryUtilization:
            return memoryUtilization(scope)
        case .cpuUtilization:
            return "100 * \(coreBusy(scope, rates: rates))"
        case .network:
            let received = scope.copy(network(Self.receivedBytes, scope, rates: rates), to: "direction", from: "", "", "receive")
            let sent = scope.copy(network(Self.transmittedBytes, scope, rates: rates), to: "direction", from: "", "", "transmit")
            return "\(received) or \(sent)"
        default:
            return nil
        }
    }

    /// The labels a history series of `metric` keeps: a core numbered from 1 like the GPU exporters' (PromQL cannot
    /// add one to a label); nil for a series that names no core.
    public func historyLabels(_ metric: HistoryMetric, _ labels: [String: String]) -> [String: String]? {
        guard metric == .cpuUtilization else { return labels.filter { metric.labelNames.contains($0.key) } }
        return Self.core(labels).map { ["core": String($0)] }
    }

    /// Percent of RAM in use, one series per node, for the fleet.
    public func fleetMemoryExpression(in scope: ExpressionScope) -> String {
        "max by (\(scope.nodeLabel.rawValue)) (\(memoryUtilization(scope)))"
    }

    /// The `gpu` thermal zone (`GPU-therm`, `gpu-thermal`) per node, for the fleet's integrated GPUs whose exporter
    /// lists no GPU temperature; offline readings left out.
    public func fleetGPUZoneExpression(in scope: ExpressionScope) -> String {
        let zone = scope.node.equal(.metricName, "node_thermal_zone_temp").matching(.known("type"), trustedPattern: "(?i)gpu(-.*)?")
        return "max by (\(scope.nodeLabel.rawValue)) (\(zone.text) != \(Int(offlineSensorCelsius)))"
    }

    /// Per problem node-exporter has a signal for, the PromQL of where it trips over `scope` (every node), valued as
    /// `Problems.problem` reads them: percent of RAM and of the root filesystem available, and the thermal zones by
    /// `type` (their sensor name is `sensorName(zoneType:)`, which PromQL cannot lower-case).
    public func problemExpressions(_ thresholds: ProblemThresholds, in scope: ExpressionScope, rates: CounterRate) -> [ProblemCode: String] {
        let root = [(LabelName.known("mountpoint"), "/")]
        let zones = scope.family("node_thermal_zone_temp")
        return [
            .memoryPressure: "100 * \(scope.family("node_memory_MemAvailable_bytes")) / \(scope.family("node_memory_MemTotal_bytes")) < \(Problems.memoryPressurePercent)",
            .diskFilling: "100 * \(scope.family("node_filesystem_avail_bytes", root)) / \(scope.family("node_filesystem_size_bytes", root)) < \(Problems.diskWarningPercent)",
            .boardHot: "\(zones) >= \(thresholds.boardHot.warning)",
            .sensorOffline: "\(zones) == \(Int(offlineSensorCelsius))",
        ]
    }

    // MARK: Readings

    /// Pure: joins one node's node-exporter series into the readings of its GPU exporter. Without any, the readings
    /// stay as they are. node-exporter's cores, RAM and root filesystem replace the exporter's (they are complete where
    /// the exporter's are not); thermal zones fill in the sensors the exporter lacks, named as jtop names them.
    public func join(_ families: MetricFamilies, into readings: inout NodeReadings) {
        guard families.names.contains(where: owns) else { return }
        readings.joined.append(.nodeExporter)

        let cores = Self.cores(families)
        if !cores.isEmpty {
            let known = cores.compactMap(\.utilizationPercent)
            readings.cpu = NodeGPU.CPU(averagePercent: known.mean?.roundedToMillionths, cores: cores)
        }
        let total = families.samples("node_memory_MemTotal_bytes").first?.value
        let available = families.samples("node_memory_MemAvailable_bytes").first?.value
        if total != nil || available != nil {
            readings.memory = NodeGPU.Memory(totalBytes: total, availableBytes: available,
                                             usedBytes: total.flatMap { total in available.map { max(0, total - $0) } })
        }
        let root = { (name: String) in families.samples(name).first { $0.labels["mountpoint"] == "/" }?.value }
        readings.disk = NodeGPU.Disk(totalBytes: root("node_filesystem_size_bytes"), availableBytes: root("node_filesystem_avail_bytes"))
        readings.network = NodeGPU.Network(receiveBytesPerSecond: families.samples(Self.received).first?.value?.roundedToMillionths,
                                           transmitBytesPerSecond: families.samples(Self.transmitted).first?.value?.roundedToMillionths)
        readings.load1 = families.samples("node_load1").first?.value
        Self.joinThermalZones(families, into: &readings)
    }

    /// Every core node-exporter counts, numbered from 1 like the GPU exporters' (`cpu="0"` is core 1), each with its
    /// busy share where a rate could be read (two scrapes, or two pushes), else unknown.
    static func cores(_ families: MetricFamilies) -> [NodeGPU.CPU.Core] {
        var byCore: [Int: Double?] = [:]
        for sample in families.samples(cpuSeconds) where sample.labels[mode.rawValue] == "idle" {
            if let core = core(sample.labels) { byCore[core] = .some(nil) }
        }
        for sample in families.samples(coreBusy) {
            guard let core = core(sample.labels) else { continue }
            byCore[core] = sample.value.map { ($0 * 100).roundedToMillionths }
        }
        return byCore.sorted { $0.key < $1.key }.map { NodeGPU.CPU.Core(core: $0.key, utilizationPercent: $0.value) }
    }

    /// The core a series of node-exporter's `cpu` label is about, numbered from 1.
    static func core(_ labels: [String: String]) -> Int? {
        guard let cpu = labels["cpu"].flatMap({ Int($0) }), cpu >= 0, cpu < Int.max else { return nil }
        return cpu + 1
    }

    /// The sensor name of a thermal zone type, as jtop shows it: the part before the first `-`, without a `_tegra`
    /// suffix, lower case (`GPU-therm` and `gpu-thermal` -> `gpu`, `SOC0-therm` -> `soc0`, `Tj-therm` -> `tj`,
    /// `Tboard_tegra` -> `tboard`, `thermal-fan-est` -> `thermal`).
    public static func sensorName(zoneType: String) -> String {
        var name = zoneType.split(separator: "-", maxSplits: 1).first ?? Substring(zoneType)
        if name.hasSuffix("_tegra"), name.count > 6 { name = name.dropLast(6) }
        return name.lowercased()
    }

    /// Zones whose sensor the exporter does not list (as read or as offline) are added; -256 °C is offline. The first
    /// zone of a name wins, so one sensor is never listed twice.
    static func joinThermalZones(_ families: MetricFamilies, into readings: inout NodeReadings) {
        var listed = Set(readings.temperatures.map(\.sensor)).union(readings.offlineSensors)
        let zones = families.samples("node_thermal_zone_temp")
            .sorted { (Int($0.labels["zone"] ?? "") ?? .max) < (Int($1.labels["zone"] ?? "") ?? .max) }
        for zone in zones {
            guard let type = zone.labels["type"], !type.isEmpty else { continue }
            let sensor = sensorName(zoneType: type)
            guard listed.insert(sensor).inserted else { continue }
            if let celsius = zone.value, celsius != offlineSensorCelsius {
                readings.temperatures.append(NodeGPU.Temperature(sensor: sensor, celsius: celsius))
            } else {
                readings.offlineSensors.append(sensor)
            }
        }
        readings.temperatures.sort { $0.sensor < $1.sensor }
        readings.offlineSensors.sort()
    }
}
