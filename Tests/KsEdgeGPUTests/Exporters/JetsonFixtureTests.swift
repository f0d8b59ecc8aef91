import Foundation
import NIOCore
import Testing
@testable import KsEdgeGPU

/// What each Jetson capture must normalise to, read off the fixture files.
struct JetsonExpectation: Sendable, CustomTestStringConvertible {
    var file: String
    var board: NodeGPU.Board
    var uptimeSeconds: Double
    var gpuUtilization: Double
    var gpuTemperature: Double?
    var gpuPower: Double?
    var gpuMemoryUsed: Double?
    var gpuMemoryTotal: Double?
    var cores: [Double]
    var temperatures: [String: Double]
    var offlineSensors: [String]
    var rails: [String: Double?]
    var totalWatts: Double?
    var fanPercent: Double
    /// name, pid, gpu memory bytes, memory bytes
    var processes: [(String, Int, Double, Double)]

    var testDescription: String { file }

    static let all: [JetsonExpectation] = [
        JetsonExpectation(
            file: "jetson-agx-orin.prom",
            board: .init(model: "NVIDIA Jetson AGX Orin (64GB ram)", jetpack: "5.1.2", l4t: "35.4.1", soc: "tegra234",
                         codename: "Concord", module: "p3701-0005", board: "699-13701-0005-500 M.0", cudaArch: "8.7",
                         serialNumber: "1424022700187", nvpmode: "MAXN"),
            uptimeSeconds: 12 * 86_400 + 3 * 3_600 + 5 * 60,
            gpuUtilization: 76.3, gpuTemperature: 54.281, gpuPower: 12.207, gpuMemoryUsed: nil, gpuMemoryTotal: nil,
            // 12 cores, the collector only ever writes 8.
            cores: [41, 38, 45, 36, 29, 33, 27, 31],
            temperatures: ["gpu": 54.281, "tdiode": 44.25, "cpu": 52.093, "tboard": 38.0], offlineSensors: [],
            rails: ["cv": 5.071, "gpu": 12.207, "sys5v": 4.651], totalWatts: nil,
            fanPercent: 54.90196078431372,
            processes: [("tritonserver", 28417, 6_291_456 * 1024, 1_247_521 * 4096),
                        ("deepstream-app", 29933, 1_835_008 * 1024, 402_113 * 4096),
                        ("python3", 31208, 917_504 * 1024, 289_012 * 4096)]),
        JetsonExpectation(
            file: "jetson-orin-nano.prom",
            board: .init(model: "NVIDIA Jetson Orin Nano (Developer kit)", jetpack: "6.2", l4t: "36.4.3", soc: "tegra234",
                         codename: nil, module: "p3767-0005", board: "699-13767-0005-300 R.1", cudaArch: "8.7",
                         serialNumber: "1421224056789", nvpmode: "MAXN_SUPER"),
            uptimeSeconds: 1 * 86_400 + 19 * 3_600 + 8 * 60,
            // No separate GPU rail on this board: cpu_gpu_cv is shared.
            gpuUtilization: 58.9, gpuTemperature: 50.218, gpuPower: nil,
            gpuMemoryUsed: 612_044 * 1024, gpuMemoryTotal: 7_802_164 * 1024,
            cores: [37, 29, 44, 21, 33, 26],
            temperatures: ["gpu": 50.218, "cpu": 51.406, "soc0": 49.75, "tj": 52.156], offlineSensors: [],
            rails: ["cpu_gpu_cv": 2.751, "soc": 1.978], totalWatts: 7.79,
            fanPercent: 40,
            processes: [("python3", 4127, 1_507_328 * 1024, 331_520 * 4096)]),
        JetsonExpectation(
            file: "jetson-xavier-nx.prom",
            board: .init(model: "NVIDIA Jetson Xavier NX (Developer kit)", jetpack: "4.6", l4t: "32.6.1", soc: "tegra194",
                         codename: "Jakku", module: "p3668-0000", board: "699-13668-0000-300 K.0", cudaArch: "7.2",
                         serialNumber: "1422020048532", nvpmode: "MODE_15W_6CORE"),
            uptimeSeconds: 3 * 86_400 + 7 * 3_600 + 42 * 60,
            gpuUtilization: 47.8, gpuTemperature: 41.0, gpuPower: nil, gpuMemoryUsed: nil, gpuMemoryTotal: nil,
            // A 6-core board: cpu_7 and cpu_8 (written as 0) do not exist.
            cores: [23, 18, 31, 12, 9, 15],
            temperatures: ["ao": 39.5, "gpu": 41.0, "cpu": 43.5, "thermal": 41.85], offlineSensors: ["aux"],
            // All three rails read 0 on this board: not measured.
            rails: ["cv": nil, "gpu": nil, "sys5v": nil], totalWatts: nil,
            fanPercent: 34.90196078431372,
            processes: [("python3", 12845, 1_152_512 * 1024, 287_344 * 4096),
                        ("deepstream-app", 13102, 423_168 * 1024, 118_713 * 4096)]),
    ]
}

@Suite("Jetson fixtures normalise to the contract")
struct JetsonFixtureTests {
    @Test func everyJetsonFixtureHasAnExpectation() {
        #expect(!Fixtures.jetsonFiles.isEmpty, "no fixtures found in \(Fixtures.directory.path)")
        #expect(Fixtures.jetsonFiles == JetsonExpectation.all.map(\.file).sorted())
    }

    @Test(arguments: JetsonExpectation.all)
    func fixtureNormalises(_ expected: JetsonExpectation) throws {
        let scraped = 1_795_432_961.5
        let series = try Fixtures.series(expected.file, node: "edge-test", timestamp: scraped)
        let node = try #require(Normalizer.normalize(node: "edge-test", series: series))

        #expect(node.node == "edge-test")
        #expect(node.exporter == .jetson)
        #expect(node.observedAt == Date(timeIntervalSince1970: scraped))
        #expect(node.board == expected.board)
        #expect(node.uptimeSeconds == expected.uptimeSeconds)

        let gpu = try #require(node.gpus.first)
        #expect(node.gpus.count == 1)
        #expect(gpu.index == 0)
        #expect(gpu.uuid == nil)
        #expect(gpu.name?.contains(expected.board.soc!) == true)
        #expect(gpu.utilizationPercent == expected.gpuUtilization)
        #expect(gpu.temperatureCelsius == expected.gpuTemperature)
        #expect(gpu.powerWatts == expected.gpuPower)
        #expect(gpu.memoryUsedBytes == expected.gpuMemoryUsed)
        #expect(gpu.memoryTotalBytes == expected.gpuMemoryTotal)

        #expect(node.cpu.cores.map(\.core) == Array(1...expected.cores.count))
        #expect(node.cpu.cores.map(\.utilizationPercent) == expected.cores)
        let average = try #require(node.cpu.averagePercent)
        #expect(abs(average - expected.cores.reduce(0, +) / Double(expected.cores.count)) < 1e-9)

        #expect(Dictionary(uniqueKeysWithValues: node.temperatures.map { ($0.sensor, $0.celsius) }) == expected.temperatures)
        #expect(node.offlineSensors == expected.offlineSensors)
        #expect(!node.temperatures.contains { $0.celsius == -256 })

        #expect(node.power.totalWatts == expected.totalWatts)
        #expect(node.power.rails.count == expected.rails.count)
        for rail in node.power.rails {
            let want = try #require(expected.rails[rail.rail], "unexpected rail \(rail.rail)")
            #expect(rail.watts == want, "rail \(rail.rail)")
        }
        #expect(node.fanPercent == expected.fanPercent)

        #expect(node.processes.count == expected.processes.count)
        for (name, pid, gpuMemory, memory) in expected.processes {
            let process = try #require(node.processes.first { $0.pid == pid })
            #expect(process.name == name)
            #expect(process.user == "root")
            #expect(process.gpuMemoryBytes == gpuMemory)
            #expect(process.memoryBytes == memory)
            #expect(process.cpuPercent != nil)
        }
    }

    @Test func fixtureSnapshotSurvivesTheStorageRoundTrip() throws {
        for file in Fixtures.jetsonFiles {
            // Prometheus stamps samples in whole milliseconds.
            let series = try Fixtures.series(file, node: "edge-test", timestamp: 1_795_432_961.123)
            let node = try #require(Normalizer.normalize(node: "edge-test", series: series))
            // What was served is what comes back: the stored JSON reads back to the same JSON.
            let encode = { (snapshot: NodeGPU) in String(buffer: try EncodedJSON(value: snapshot).body) }
            let stored = try encode(node)
            #expect(try encode(SnapshotCoding.decode(stored)) == stored)
            #expect(try SnapshotCoding.decode(stored).observedAt.map { abs($0.timeIntervalSince1970 - 1_795_432_961.123) < 0.001 } == true)
        }
    }

    @Test func unknownValuesAreWrittenAsExplicitNulls() throws {
        let series = try Fixtures.series("jetson-xavier-nx.prom", node: "edge-test")
        let node = try #require(Normalizer.normalize(node: "edge-test", series: series))
        let json = try #require(try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(node)) as? [String: Any])
        let gpu = try #require((json["gpus"] as? [[String: Any]])?.first)
        #expect(gpu["powerWatts"] is NSNull)
        #expect(gpu["memoryUsedBytes"] is NSNull)
        #expect(gpu["uuid"] is NSNull)
        let power = try #require(json["power"] as? [String: Any])
        #expect(power["totalWatts"] is NSNull)
        #expect((power["rails"] as? [[String: Any]])?.allSatisfy { $0["watts"] is NSNull } == true)
    }
}
