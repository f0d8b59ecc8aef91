import Foundation
import Testing
@testable import KsEdgeGPU

/// dcgm-exporter and nvidia_gpu_exporter captures, read off the fixture files.
@Suite("GPU server fixtures normalise to the contract")
struct GPUServerFixtureTests {
    let mebibyte = 1_048_576.0

    @Test func dcgmTwoA100() throws {
        let series = try Fixtures.series("dcgm-2x-a100.prom", node: "ks-gpu-worker-01", timestamp: 1_795_432_961.5)
        let node = try #require(Normalizer.normalize(node: "ks-gpu-worker-01", series: series))
        #expect(node.exporter == .dcgm)
        #expect(node.board.model == "NVIDIA A100 80GB PCIe")
        #expect(node.board.driverVersion == "535.183.01")
        #expect(node.board.jetpack == nil)
        #expect(node.observedAt == Date(timeIntervalSince1970: 1_795_432_961.5))
        #expect(node.gpus.map(\.index) == [0, 1])

        let first = node.gpus[0]
        #expect(first.name == "NVIDIA A100 80GB PCIe")
        #expect(first.uuid == "GPU-3f8a2c1e-7b4d-5e9f-a061-2c8d4e6f9b10")
        #expect(first.utilizationPercent == 87)
        #expect(first.temperatureCelsius == 61)
        #expect(first.powerWatts == 214.562)
        #expect(first.memoryUsedBytes == 71_372 * mebibyte)
        #expect(first.memoryTotalBytes == (71_372 + 9_879) * mebibyte)
        #expect(first.migProfile == nil && first.migInstanceId == nil)

        let second = node.gpus[1]
        #expect(second.utilizationPercent == 0)
        #expect(second.memoryUsedBytes == 4 * mebibyte)
        #expect(second.memoryTotalBytes == (4 + 81_247) * mebibyte)
        #expect(second.powerWatts == 43.918)

        #expect(node.power.totalWatts == 214.562 + 43.918)
        #expect(node.power.rails.map(\.rail) == ["gpu0", "gpu1"])
        #expect(node.temperatures == [.init(sensor: "gpu0", celsius: 61), .init(sensor: "gpu0_memory", celsius: 52),
                                      .init(sensor: "gpu1", celsius: 34), .init(sensor: "gpu1_memory", celsius: 38)])
        #expect(node.cpu.cores.isEmpty && node.cpu.averagePercent == nil)
        #expect(node.uptimeSeconds == nil && node.fanPercent == nil)

        // Scraped with honorLabels: false, the workload's labels are exported_*; the exporter's own pod is not a workload.
        #expect(node.processes == [NodeGPU.GPUProcess(
            name: "llm-infer-7d9f8c6b5-x2kqp", namespace: "ai-serving", container: "vllm", gpuIndex: 0,
            gpuUuid: "GPU-3f8a2c1e-7b4d-5e9f-a061-2c8d4e6f9b10")])
    }

    @Test func dcgmExporterPodIsNotAWorkloadWithHonorLabels() throws {
        // honorLabels: true keeps the workload's labels; GPU 1 has none, so it gets the exporter pod's.
        let series = try ExpositionParser.parse(Fixtures.text("dcgm-2x-a100.prom"), timestamp: 10).map { entry in
            var labels = entry.labels
            labels["instance"] = "n"
            labels["job"] = "dcgm-exporter"
            if labels["pod"] == nil {
                labels["pod"] = "dcgm-exporter-7xk2p"
                labels["namespace"] = "gpu-operator"
            }
            return Series(labels: labels, points: entry.points)
        }
        let node = try #require(Normalizer.normalize(node: "n", series: series))
        #expect(node.processes.map(\.name) == ["llm-infer-7d9f8c6b5-x2kqp"])
    }

    @Test func dcgmMIGInstancesAreEntriesAndPowerCountsEachGPUOnce() throws {
        func sample(_ name: String, _ gpu: String, _ instance: String?, _ value: Double) -> Series {
            var labels = ["__name__": name, "gpu": gpu, "UUID": "GPU-aaaa", "modelName": "NVIDIA A100-SXM4-40GB", "instance": "n"]
            if let instance {
                labels["GPU_I_ID"] = instance
                labels["GPU_I_PROFILE"] = instance == "1" ? "3g.20gb" : "1g.5gb"
            }
            return Series(labels: labels, points: [.init(timestamp: 10, value: value)])
        }
        // The exporter writes the physical GPU's power and temperature on each MIG instance's series.
        let series = [
            sample("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "0", "1", 0.5), sample("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "0", "2", 0.25),
            sample("DCGM_FI_DEV_POWER_USAGE", "0", "1", 120), sample("DCGM_FI_DEV_POWER_USAGE", "0", "2", 120),
            sample("DCGM_FI_DEV_GPU_TEMP", "0", "1", 50), sample("DCGM_FI_DEV_GPU_TEMP", "0", "2", 50),
            sample("DCGM_FI_DEV_FB_USED", "0", "1", 1000), sample("DCGM_FI_DEV_FB_FREE", "0", "1", 19_000),
            sample("DCGM_FI_DEV_GPU_UTIL", "1", nil, 30), sample("DCGM_FI_DEV_POWER_USAGE", "1", nil, 80),
        ]
        let node = try #require(Normalizer.normalize(node: "n", series: series))
        #expect(node.gpus.count == 3)
        #expect(node.gpus.map(\.migInstanceId) == [1, 2, nil])
        #expect(node.gpus.map(\.migProfile) == ["3g.20gb", "1g.5gb", nil])
        #expect(node.gpus.map(\.utilizationPercent) == [50, 25, 30])
        #expect(node.gpus[0].memoryTotalBytes == 20_000 * mebibyte)
        #expect(node.gpus[1].memoryUsedBytes == nil)
        #expect(node.power.totalWatts == 200.0)
        #expect(node.power.rails.map(\.rail) == ["gpu0", "gpu1"])
    }

    @Test func nvidiaSMIOneL40S() throws {
        let series = try Fixtures.series("nvidia-smi-exporter.prom", node: "gpu-l40s-01", timestamp: 1_795_432_961.5)
        let node = try #require(Normalizer.normalize(node: "gpu-l40s-01", series: series))
        #expect(node.exporter == .nvidiaSMI)
        #expect(node.board.model == "NVIDIA L40S")
        #expect(node.board.cudaArch == "8.9")
        #expect(node.board.driverVersion == "595.80")
        #expect(node.board.serialNumber == "1654123018297")
        let gpu = try #require(node.gpus.first)
        #expect(node.gpus.count == 1)
        #expect(gpu.index == 0)
        #expect(gpu.name == "NVIDIA L40S")
        #expect(gpu.uuid == "GPU-5e9b2a71-c04d-4f3e-9a18-6d2f7b3c8e45")
        #expect(gpu.utilizationPercent == 9)
        #expect(gpu.memoryUsedBytes == 1_294_991_360)
        #expect(gpu.memoryTotalBytes == 48_305_799_168)
        #expect(gpu.temperatureCelsius == 54)
        #expect(gpu.powerWatts == 110.23)
        #expect(node.power.totalWatts == 110.23)
        #expect(node.fanPercent == nil)
        #expect(node.processes.map(\.pid) == [20037, 20038])
        #expect(node.processes.map(\.name) == ["ffmpeg", "ffmpeg"])
        #expect(node.processes.map(\.gpuMemoryBytes) == [564_133_888, 714_080_256])
        #expect(node.processes.allSatisfy { $0.gpuIndex == 0 && $0.gpuUuid == gpu.uuid })
    }

    @Test func everyFixtureIsRecognised() throws {
        let all = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path).filter { $0.hasSuffix(".prom") }
        #expect(all.count >= 5)
        for file in all {
            #expect(Normalizer.normalize(node: "n", series: try Fixtures.series(file, node: "n")) != nil, "\(file)")
        }
    }
}
