import Foundation
import Testing
@testable import KsEdgeGPU

/// The collector's quirks one at a time, on hand-made samples.
@Suite struct JetsonQuirkTests {
    func sample(_ name: String, _ labels: [String: String] = [:], _ value: Double, at time: Double = 1_000) -> Series {
        Series(labels: labels.merging(["__name__": name, "instance": "n"]) { a, _ in a }, points: [.init(timestamp: time, value: value)])
    }

    func normalize(_ series: [Series]) throws -> NodeGPU {
        try #require(Normalizer.normalize(node: "n", series: series))
    }

    @Test func sensorAtMinus256IsOfflineNotCold() throws {
        let node = try normalize([
            sample("gpu_temperatures", ["temperature": "gpu"], -256),
            sample("gpu_temperatures", ["temperature": "cpu"], 40),
            sample("gpu_usage_gpu", ["gpu": "val"], 10),
        ])
        #expect(node.offlineSensors == ["gpu"])
        #expect(node.temperatures == [.init(sensor: "cpu", celsius: 40)])
        #expect(node.gpus.first?.temperatureCelsius == nil)
    }

    @Test func oneRailAtZeroAmongMeasuredRailsIsZeroWatts() throws {
        let node = try normalize([
            sample("gpu_usage_power", ["power": "cv"], 0),
            sample("gpu_usage_power", ["power": "gpu"], 1500),
            sample("gpu_usage_power", ["power": "sys5v"], 4000),
        ])
        #expect(node.power.rails.first { $0.rail == "cv" }?.watts == 0)
        #expect(node.power.rails.first { $0.rail == "gpu" }?.watts == 1.5)
        #expect(node.power.totalWatts == nil)
    }

    @Test func nonFiniteValuesAreUnknown() throws {
        let node = try normalize([
            sample("gpu_usage_gpu", ["gpu": "val"], .nan),
            sample("gpu_usage_fan", ["fan": "speed"], .infinity),
        ])
        #expect(node.gpus.first?.utilizationPercent == nil)
        #expect(node.fanPercent == nil)
    }

    /// `gpu_processes_info` with the churning labels removed (deploy/README.md, "Bounding the Jetson exporter's series"):
    /// the process is still listed, its CPU share and GPU memory unknown, not 0.
    @Test func processesWithoutTheirChurningLabelsHaveThoseFiguresUnknown() throws {
        let node = try normalize([
            sample("gpu_usage_gpu", ["gpu": "val"], 10),
            sample("gpu_processes_info", ["gpu": "I", "memory": "1000", "name": "tritonserver", "pid": "28417", "process": "info", "user": "root"], 1),
            sample("gpu_processes_info", ["gpu": "I", "cpu": "nan", "gpu_memory": "1e400", "memory": "10", "name": "python3", "pid": "31208", "process": "info"], 1),
        ])
        #expect(node.processes.map(\.pid) == [28417, 31208], "equal GPU memory: by pid")
        #expect(node.processes.allSatisfy { $0.cpuPercent == nil && $0.gpuMemoryBytes == nil })
        #expect(node.processes.map(\.memoryBytes) == [4_096_000, 40_960])
    }

    @Test func missingFamiliesStayNull() throws {
        let node = try normalize([sample("gpu_usage_gpu", ["gpu": "val"], 12)])
        #expect(node.uptimeSeconds == nil)
        #expect(node.cpu.averagePercent == nil)
        #expect(node.cpu.cores.isEmpty)
        #expect(node.fanPercent == nil)
        #expect(node.board == NodeGPU.Board())
    }

    @Test func infoPlaceholdersAreAbsentValues() throws {
        let node = try normalize([
            sample("gpu_info_board_info", ["board_info": "info", "jetpack": "6.0", "l4t": "36.3", "machine": ""], 1),
            sample("gpu_info_hardware_info", ["board_hw": "hardware", "codename": "unknown", "soc": "tegra234"], 1),
        ])
        #expect(node.board.model == nil)
        #expect(node.board.codename == nil)
        #expect(node.board.soc == "tegra234")
    }

    @Test func seriesOfOtherExportersAreNotJetson() {
        #expect(Normalizer.normalize(node: "n", series: [sample("node_load1", [:], 1)]) == nil)
        #expect(detect(["gpu_usage_gpu"]) == .jetson)
        #expect(detect(["DCGM_FI_DEV_GPU_UTIL", "gpu_usage_gpu"]) == .dcgm)
        #expect(detect(["nvidia_smi_utilization_gpu_ratio"]) == .nvidiaSMI)
        #expect(detect(["nvidia_smi_utilization_gpu_ratio", "gpu_usage_gpu"]) == .nvidiaSMI)
    }

    func detect(_ names: [String]) -> ExporterKind? {
        ExporterRegistry.standard.describe(names.map { sample($0, [:], 1) })?.exporter.kind
    }

    @Test(arguments: [
        ("NVIDIA Jetson Xavier NX (Developer kit)", "MODE_15W_6CORE", 6),
        ("NVIDIA Jetson Xavier NX (Developer kit)", "MODE_10W_4CORE", 4),
        ("NVIDIA Jetson AGX Orin (64GB ram)", "MAXN", 12),
        ("NVIDIA Jetson AGX Orin (32GB ram)", "MAXN", 8),
        ("NVIDIA Jetson Orin NX 8GB", "MAXN", 6),
        ("NVIDIA Jetson Orin Nano (Developer kit)", "MAXN_SUPER", 6),
        ("NVIDIA Jetson Nano (Developer kit)", "MAXN", 4),
    ])
    func onlineCoresComeFromModeThenModule(model: String, mode: String, cores: Int) {
        #expect(JetsonCollector.onlineCores(model: model, nvpmode: mode) == cores)
    }

    @Test func unknownBoardKeepsEveryReportedCore() throws {
        let node = try normalize((1...8).map { sample("gpu_usage_cpu", ["cpu": "cpu_\($0)"], Double($0)) })
        #expect(node.cpu.cores.count == 8)
    }
}
