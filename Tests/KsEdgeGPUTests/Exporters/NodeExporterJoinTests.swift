import Foundation
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// node-exporter's series joined into a GPU exporter's snapshot, rule by rule, on the exporter fixtures, node-exporter's
/// real page (Debian node_exporter 1.5.0) and the simulated boards' pages.
@Suite struct NodeExporterJoinTests {
    let node = "edge-1"

    /// node-exporter's page as Prometheus holds it for `node`, with the per-core busy ratios and network rates the
    /// snapshot query computes from its counters.
    func host(_ page: String, busy: [Int: Double] = [:], received: Double? = nil, transmitted: Double? = nil) throws -> [Series] {
        var series = try ExpositionParser.parse(page, timestamp: 1_000).map(named)
        series += busy.map { cpu, ratio in sample(NodeExporter.coreBusy, ["cpu": String(cpu), "mode": "idle"], ratio) }
        if let received { series.append(sample(NodeExporter.received, [:], received)) }
        if let transmitted { series.append(sample(NodeExporter.transmitted, [:], transmitted)) }
        return series
    }

    func named(_ series: Series) -> Series {
        Series(labels: series.labels.merging(["instance": node, "job": "node-exporter"]) { a, _ in a }, points: series.points)
    }

    func sample(_ name: String, _ labels: [String: String], _ value: Double) -> Series {
        Series(labels: labels.merging(["__name__": name, "instance": node]) { a, _ in a }, points: [.init(timestamp: 1_000, value: value)])
    }

    func exporter(_ file: String) throws -> [Series] { try Fixtures.series(file, node: node, timestamp: 1_000) }

    /// The snapshot leaves virtual interfaces out in code, the history in PromQL: the same interfaces either way.
    @Test(arguments: ["lo", "lo0", "veth1a2b", "docker0", "br-4f2e", "br0", "cni0", "flannel.1", "cali7d3", "eth0", "eno1",
                      "wlan0", "l4tbr0", "rndis0", "usb0", "usb", "nodelocaldns", "nodelocaldns0", "tun0", "tunl0", "wg0", ""])
    func virtualInterfacesAreTheOnesPromQLLeavesOut(device: String) throws {
        let promQL = try Regex("(?:\(NodeExporter.virtualInterfaces))")
        #expect(NodeExporter.isVirtual(device) == ((try? promQL.wholeMatch(in: device)) != nil), "\(device)")
    }

    func snapshot(_ series: [Series]) throws -> NodeGPU { try #require(Normalizer.normalize(node: node, series: series)) }

    func simulatedHostPage(_ kind: SimulatedBoard.Kind) -> String {
        NodeExporterExposition.render(SimulatedBoard(node: node, kind: kind, ordinal: 0), at: 5_000)
    }

    @Test func withoutNodeExporterTheExporterAloneDescribesTheNode() throws {
        let alone = try snapshot(try exporter("jetson-agx-orin.prom"))
        #expect(alone.sources == [.jetson])
        #expect(alone.memory == .unknown && alone.disk == .unknown && alone.network == .unknown && alone.load1 == nil)
        #expect(alone.gpus.first?.memoryTotalBytes == nil)
    }

    @Test func nodeExporterAloneDoesNotMakeAGPUNode() throws {
        #expect(Normalizer.normalize(node: node, series: try host(String(contentsOfFile: Fixtures.nodeExporterPage, encoding: .utf8))) == nil)
    }

    /// The AGX Orin 64GB has 12 cores; the collector writes 8. node-exporter lists every online core, numbered from 1.
    @Test func everyCoreComesFromNodeExporterPastTheCollectorsEight() throws {
        let busy = Dictionary(uniqueKeysWithValues: (0..<12).map { ($0, Double($0) / 20) })
        let joined = try snapshot(try exporter("jetson-agx-orin.prom") + host(simulatedHostPage(.agxOrin), busy: busy))
        #expect(joined.sources == [.jetson, .nodeExporter])
        #expect(joined.cpu.cores.map(\.core) == Array(1...12))
        #expect(joined.cpu.cores.map(\.utilizationPercent) == (0..<12).map { Double($0) * 5 })
        #expect(joined.cpu.averagePercent == 27.5)
    }

    /// A core taken offline has no series in node-exporter: it is absent, never a 0 % core.
    @Test func offlineCoresAreAbsentNotZero() throws {
        let online: Set<String> = ["0", "1", "3"]
        let page = try host(simulatedHostPage(.xavierNX), busy: [0: 0.5, 1: 0.25, 3: 0.75])
            .filter { $0.name != "node_cpu_seconds_total" || online.contains($0.labels["cpu"] ?? "") }
        let joined = try snapshot(try exporter("jetson-xavier-nx.prom") + page)
        #expect(joined.cpu.cores.map(\.core) == [1, 2, 4])
        #expect(joined.cpu.averagePercent == 50)
    }

    /// node-exporter's counters without a rate yet (a single scrape, or a pushed node whose window holds a single
    /// push): its cores are listed, unknown, not the collector's: one CPU source wherever node-exporter counts.
    @Test func withoutRatesNodeExportersCoresAreUnknown() throws {
        let collector = try snapshot(try exporter("jetson-agx-orin.prom"))
        #expect(collector.cpu.cores.count == 8 && collector.cpu.averagePercent != nil)
        let joined = try snapshot(try exporter("jetson-agx-orin.prom") + host(simulatedHostPage(.agxOrin)))
        #expect(joined.cpu.cores.map(\.core) == Array(1...12))
        #expect(joined.cpu.cores.allSatisfy { $0.utilizationPercent == nil })
        #expect(joined.cpu.averagePercent == nil)
        #expect(joined.sources == [.jetson, .nodeExporter])
    }

    /// Some cores with a rate, some without (a core brought online since the last scrape): each as it is.
    @Test func coresWithoutARateAreUnknownBesideThoseWithOne() throws {
        let joined = try snapshot(try exporter("jetson-xavier-nx.prom") + host(simulatedHostPage(.xavierNX), busy: [0: 0.5, 2: 0.25]))
        #expect(joined.cpu.cores.map(\.core) == Array(1...6))
        #expect(joined.cpu.cores.map(\.utilizationPercent) == [50, nil, 25, nil, nil, nil])
        #expect(joined.cpu.averagePercent == 37.5)
    }

    /// Real node_exporter output: RAM, root filesystem and load as the kernel reports them.
    @Test func memoryDiskAndLoadFromARealPage() throws {
        let page = try String(contentsOfFile: Fixtures.nodeExporterPage, encoding: .utf8)
        let joined = try snapshot(try exporter("dcgm-2x-a100.prom") + host(page, received: 1_250.5, transmitted: 98))
        let value = { (line: String) in Double(page.split(separator: "\n").first { $0.hasPrefix(line) }!.split(separator: " ").last!)! }
        #expect(joined.memory.totalBytes == value("node_memory_MemTotal_bytes "))
        #expect(joined.memory.availableBytes == value("node_memory_MemAvailable_bytes "))
        #expect(joined.memory.usedBytes == value("node_memory_MemTotal_bytes ") - value("node_memory_MemAvailable_bytes "))
        #expect(joined.disk.totalBytes == value("node_filesystem_size_bytes{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"}"))
        #expect(joined.disk.availableBytes == value("node_filesystem_avail_bytes{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"}"))
        #expect(joined.load1 == value("node_load1 "))
        #expect(joined.network == NodeGPU.Network(receiveBytesPerSecond: 1_250.5, transmitBytesPerSecond: 98))
        // A server's GPUs have memory of their own: node-exporter's RAM is not theirs.
        let alone = try snapshot(try exporter("dcgm-2x-a100.prom"))
        #expect(joined.gpus == alone.gpus)
    }

    /// Only the root filesystem is the board's disk, whatever else is mounted.
    @Test func diskIsTheRootFilesystem() throws {
        let joined = try snapshot(try exporter("jetson-agx-orin.prom") + host(simulatedHostPage(.agxOrin)))
        #expect(joined.disk.totalBytes == NodeExporterExposition.facts(.agxOrin).diskBytes)
    }

    /// On a Jetson the GPU has no memory of its own: its total is the board's RAM; its used memory is the GPU-shared
    /// memory where the exporter reports it (the Orin Nano variant), else unknown.
    @Test func jetsonGPUMemoryIsTheBoardsRAM() throws {
        let ram = NodeExporterExposition.facts(.agxOrin).memoryBytes
        let seed = try snapshot(try exporter("jetson-agx-orin.prom") + host(simulatedHostPage(.agxOrin)))
        #expect(seed.gpus.first?.memoryTotalBytes == ram)
        #expect(seed.gpus.first?.memoryUsedBytes == nil)

        let nanoRAM = NodeExporterExposition.facts(.orinNano).memoryBytes
        let variant = try snapshot(try exporter("jetson-orin-nano.prom") + host(simulatedHostPage(.orinNano)))
        #expect(variant.gpus.first?.memoryTotalBytes == nanoRAM)
        #expect(variant.gpus.first?.memoryUsedBytes == 612_044.0 * 1024)
    }

    /// The Orin Nano variant reports RAM itself (kB, free rather than available): used where node-exporter is absent.
    @Test func theVariantsOwnRAMWithoutNodeExporter() throws {
        let variant = try snapshot(try exporter("jetson-orin-nano.prom"))
        #expect(variant.memory == NodeGPU.Memory(totalBytes: 7_802_164 * 1024, availableBytes: nil, usedBytes: 3_415_320 * 1024))
        #expect(variant.gpus.first?.memoryTotalBytes == 7_802_164.0 * 1024)
    }

    /// JetPack 6 with the seed collector: an empty temperature family. The thermal zones give every sensor, the GPU's
    /// temperature included, under jtop's names.
    @Test func thermalZonesFillAnEmptyTemperatureList() throws {
        let collector = try exporter("jetson-agx-orin.prom").filter { $0.name != "gpu_temperatures" }
        let joined = try snapshot(collector + host(simulatedHostPage(.orinNX)))
        let zones = NodeExporterExposition.facts(.orinNX).zones.map { NodeExporter.sensorName(zoneType: $0.type) }
        #expect(joined.temperatures.map(\.sensor) == zones.sorted())
        #expect(joined.temperatures.map(\.sensor).contains("gpu"))
        #expect(joined.gpus.first?.temperatureCelsius == joined.temperatures.first { $0.sensor == "gpu" }?.celsius)
    }

    /// The collector's sensors stay as they are; zones add only the sensors it lacks, so none is listed twice.
    @Test func zonesNeverDuplicateTheCollectorsSensors() throws {
        let collector = try snapshot(try exporter("jetson-orin-nano.prom"))
        let joined = try snapshot(try exporter("jetson-orin-nano.prom") + host(simulatedHostPage(.orinNano)))
        #expect(Set(joined.temperatures.map(\.sensor)).count == joined.temperatures.count)
        for reading in collector.temperatures { #expect(joined.temperatures.contains(reading)) }
        #expect(Set(joined.temperatures.map(\.sensor)) == ["cpu", "gpu", "soc0", "tj", "cv0", "cv1", "cv2", "soc1", "soc2"])
        #expect(joined.gpus.first?.temperatureCelsius == collector.gpus.first?.temperatureCelsius)
    }

    /// A sensor the collector lists as offline is not filled from its zone; a zone reading -256 is offline too.
    @Test func offlineSensorsStayOffline() throws {
        let page = """
            node_thermal_zone_temp{type="AUX-therm",zone="3"} 41
            node_thermal_zone_temp{type="PLL-therm",zone="4"} -256
            node_thermal_zone_temp{type="GPU-therm",zone="1"} 44.5
            """
        let joined = try snapshot(try exporter("jetson-xavier-nx.prom") + host(page))
        #expect(joined.offlineSensors == ["aux", "pll"])
        #expect(!joined.temperatures.contains { $0.sensor == "aux" || $0.sensor == "pll" })
        #expect(joined.temperatures.filter { $0.sensor == "gpu" }.count == 1)
    }

    @Test(arguments: [
        ("GPU-therm", "gpu"), ("gpu-thermal", "gpu"), ("SOC0-therm", "soc0"), ("soc0-thermal", "soc0"), ("Tj-therm", "tj"),
        ("tj-thermal", "tj"), ("Tboard_tegra", "tboard"), ("Tdiode_tegra", "tdiode"), ("thermal-fan-est", "thermal"),
        ("PMIC-Die", "pmic"), ("CPU-therm", "cpu"), ("x86_pkg_temp", "x86_pkg_temp"), ("acpitz", "acpitz"),
    ])
    func zoneTypesAreNamedAsJtopNamesThem(zone: String, sensor: String) {
        #expect(NodeExporter.sensorName(zoneType: zone) == sensor)
    }

    /// A snapshot stored before these fields existed still decodes, with them unknown, and names its exporter.
    @Test func snapshotsStoredBeforeTheJoinStillDecode() throws {
        let stored = #"{"node":"n","exporter":"dcgm","status":"online","observedAt":null,"board":{},"uptimeSeconds":null,"gpus":[],"cpu":{"averagePercent":null,"cores":[]},"temperatures":[],"offlineSensors":[],"power":{"totalWatts":null,"rails":[]},"fanPercent":null,"processes":[]}"#
        let decoded = try JSONCoding.decoder.decode(NodeGPU.self, from: Data(stored.utf8))
        #expect(decoded.sources == [.dcgm])
        #expect(decoded.memory == .unknown && decoded.disk == .unknown && decoded.network == .unknown && decoded.load1 == nil)
    }

    /// Every key of the contract is written, unknown ones as null.
    @Test func newFieldsAreAlwaysWritten() throws {
        let json = try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(try snapshot(try exporter("jetson-agx-orin.prom")))) as? [String: Any]
        let object = try #require(json)
        #expect(object["load1"] is NSNull)
        #expect(Set((object["memory"] as? [String: Any])?.keys.map { $0 } ?? []) == ["totalBytes", "availableBytes", "usedBytes"])
        #expect(Set((object["disk"] as? [String: Any])?.keys.map { $0 } ?? []) == ["totalBytes", "availableBytes"])
        #expect(Set((object["network"] as? [String: Any])?.keys.map { $0 } ?? []) == ["receiveBytesPerSecond", "transmitBytesPerSecond"])
        #expect(object["sources"] as? [String] == ["jetson"])
    }
}
