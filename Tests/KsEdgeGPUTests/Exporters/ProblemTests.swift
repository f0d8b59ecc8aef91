import Foundation
import Testing
@testable import KsEdgeGPU

/// Every problem of Exporters/Problems.swift on the exporters' pages: the real captures (healthy boards, each signal
/// it exports clear and the others unknown) and the pages with faults in Tests/Fixtures/health, with and without
/// node-exporter.
@Suite struct ProblemTests {
    let node = "edge-1"
    /// The scrape time of every fixture sample.
    let scraped = 1_795_432_961.5
    static let healthDirectory = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/health")

    /// A page as Prometheus holds it after a ServiceMonitor scrape of `node`.
    func page(_ path: String, job: String, at time: Double? = nil) throws -> [Series] {
        try ExpositionParser.parse(String(contentsOfFile: path, encoding: .utf8), timestamp: time ?? scraped).map { series in
            Series(labels: series.labels.merging(["instance": node, "job": job]) { _, target in target }, points: series.points)
        }
    }

    func faults(_ name: String, job: String, at time: Double? = nil) throws -> [Series] {
        try page(Self.healthDirectory.appendingPathComponent(name).path, job: job, at: time)
    }

    /// The node's health as the snapshot service works it out.
    func health(_ series: [Series], status: NodeStatus = .online, thresholds: ProblemThresholds = .standard) throws -> NodeGPU.Health {
        let (exporter, readings) = try #require(ExporterRegistry.standard.describe(series))
        var snapshot = NodeGPU(node: node, exporter: exporter.kind, status: status, observedAt: nil, readings: readings)
        snapshot.status = status
        return Problems.health(of: snapshot, signals: readings.signals, integrated: exporter.isIntegrated, thresholds: thresholds)
    }

    /// What a list of problems says, in a form that reads in a failure.
    func summary(_ health: NodeGPU.Health) -> [String] {
        health.problems.map { p in
            [p.code.rawValue, p.severity.rawValue, p.gpu.map { "gpu\($0)" }, p.sensor, p.value.map { Problems.formatted($0) }].compactMap { $0 }
                .joined(separator: " ")
        }
    }

    @Test func aHealthyDCGMServerHasNoProblemAndNamesTheSignalsItLacks() throws {
        let health = try health(Fixtures.series("dcgm-2x-a100.prom", node: node, timestamp: scraped))
        #expect(health.status == .ok && health.problems.isEmpty)
        // Its dcgm-exporter exports XIDs and row remapping (both clear), not clock reasons, ECC or resets; no node-exporter.
        #expect(health.unknown == [.thermalThrottling, .powerBrake, .eccUncorrectable, .gpuResetNeeded, .memoryPressure, .diskFilling])
    }

    @Test func aHealthyNvidiaSMIServerHasNoProblem() throws {
        let health = try health(Fixtures.series("nvidia-smi-exporter.prom", node: node, timestamp: scraped))
        #expect(health.status == .ok && health.problems.isEmpty)
        // This exporter's version writes no XID family.
        #expect(health.unknown == [.xidError, .memoryPressure, .diskFilling])
    }

    @Test func aJetsonsOfflineSensorIsInfoAndNoServerProblemConcernsIt() throws {
        let health = try health(Fixtures.series("jetson-xavier-nx.prom", node: node, timestamp: scraped))
        #expect(summary(health) == ["sensor_offline info aux -256"])
        #expect(health.status == .info)
        #expect(health.unknown == [.memoryPressure, .diskFilling])
    }

    @Test func dcgmExporterFaults() throws {
        let health = try health(faults("dcgm-faults.prom", job: "dcgm-exporter"))
        #expect(summary(health) == [
            "gpu_hot critical gpu0 96", "xid_error critical gpu1 79", "ecc_uncorrectable critical gpu0 2", "row_remap_failure critical gpu1 1",
            "thermal_throttling warning gpu0 32", "power_brake warning gpu1 129",
        ])
        #expect(health.status == .critical)
        #expect(health.problems.first { $0.code == .xidError }?.message == "GPU 1 reported XID 79: GPU has fallen off the bus")
        #expect(health.problems.first { $0.code == .gpuHot }?.message == "GPU 0 is at 96 °C (critical from 95 °C)")
        #expect(health.unknown == [.gpuResetNeeded, .memoryPressure, .diskFilling])
    }

    /// A growing `DCGM_FI_DEV_THERMAL_VIOLATION` is throttling too, valued as the percent of time held down (its rate,
    /// which the snapshot's query asks Prometheus for), where the clock reasons do not already say so.
    @Test func aGrowingThermalViolationCounterIsThrottling() throws {
        let page = try faults("dcgm-faults.prom", job: "dcgm-exporter")
        /// The page with the counter's rate per GPU, as Prometheus answers the snapshot's clause.
        func with(percent: [Int: Double]) -> [Series] {
            page + page.filter { $0.name == DCGMExporter.thermalViolation }.compactMap { series in
                guard let value = series.labels["gpu"].flatMap(Int.init).flatMap({ percent[$0] }) else { return nil }
                return Series(labels: series.labels.merging(["__name__": DCGMExporter.thermalViolationPercent]) { _, new in new },
                              points: [.init(timestamp: scraped, value: value)])
            }
        }
        let throttling = { (health: NodeGPU.Health) in summary(health).filter { $0.hasPrefix("thermal_throttling") } }
        // GPU 1's reasons (power brake) say nothing of heat: its growing counter does, as 25 % of the time.
        #expect(try throttling(health(with(percent: [0: 40, 1: 25]))) == ["thermal_throttling warning gpu0 32", "thermal_throttling warning gpu1 25"])
        // A counter that stands still trips nothing; GPU 0's reasons still do.
        #expect(try throttling(health(with(percent: [0: 0, 1: 0]))) == ["thermal_throttling warning gpu0 32"])
        // Without the reasons, the counter alone tells: known, and clear until it grows.
        let reasonless = page.filter { $0.name != "DCGM_FI_DEV_CLOCKS_EVENT_REASONS" }
        let alone = try health(reasonless)
        #expect(throttling(alone).isEmpty && !alone.unknown.contains(.thermalThrottling))
        #expect(try health(reasonless.filter { $0.name != DCGMExporter.thermalViolation }).unknown.contains(.thermalThrottling))
    }

    @Test func nvidiaSMIFaultsInTheOlderThrottleSpelling() throws {
        let health = try health(faults("nvidia-smi-faults.prom", job: "nvidia-gpu-exporter"))
        #expect(summary(health) == [
            "xid_error critical gpu0 48", "ecc_uncorrectable critical gpu1 3", "row_remap_failure critical gpu1 1",
            "gpu_reset_needed critical gpu1 1", "gpu_hot warning gpu0 88", "thermal_throttling warning gpu0 1", "power_brake warning gpu1 1",
        ])
        #expect(health.problems.first { $0.code == .gpuResetNeeded }?.message == "GPU 1 needs a GPU reset")
        #expect(health.unknown == [.memoryPressure, .diskFilling])
    }

    /// An nvidia-smi XID counts for ten minutes after it happened, as of the scrape that reports it.
    @Test func anNvidiaSMIXIDCountsForTenMinutes() throws {
        let xids = { (time: Double) in try health(faults("nvidia-smi-faults.prom", job: "nvidia-gpu-exporter", at: time)).problems.filter { $0.code == .xidError } }
        #expect(try xids(1_795_432_700 + 600).map(\.value) == [48])
        #expect(try xids(1_795_432_700 + 601).isEmpty)
    }

    @Test func aHotJetsonIsCriticalAtTheOrinsThrottlingTrip() throws {
        let health = try health(faults("jetson-agx-orin-hot.prom", job: "jetson-exporter"))
        #expect(summary(health) == ["board_hot critical gpu 99.5", "board_hot warning cpu 92.3", "sensor_offline info tboard -256"])
        #expect(health.problems[0].message == "Sensor gpu is at 99.5 °C (critical from 99 °C)")
    }

    @Test func nodeExporterTellsRAMAndDisk() throws {
        let host = try page(Self.healthDirectory.appendingPathComponent("node-exporter-full.prom").path, job: "node-exporter")
        let health = try health(Fixtures.series("dcgm-2x-a100.prom", node: node, timestamp: scraped) + host)
        #expect(summary(health) == ["disk_filling critical 3", "memory_pressure warning 8.2"])
        #expect(!health.unknown.contains(.memoryPressure) && !health.unknown.contains(.diskFilling))
        // A healthy host is known and clear.
        let clear = try page(Fixtures.nodeExporterPage, job: "node-exporter")
        let healthy = try self.health(Fixtures.series("dcgm-2x-a100.prom", node: node, timestamp: scraped) + clear)
        #expect(healthy.problems.isEmpty && !healthy.unknown.contains(.diskFilling))
    }

    @Test func thresholdsAreSettings() throws {
        let series = try faults("nvidia-smi-faults.prom", job: "nvidia-gpu-exporter")
        let stricter = ProblemThresholds(gpuHot: .init(warning: 60, critical: 88), boardHot: ProblemThresholds.standard.boardHot)
        let hot = try health(series, thresholds: stricter).problems.filter { $0.code == .gpuHot }
        #expect(hot.map(\.severity) == [.critical, .warning] && hot.map(\.gpu) == [0, 1])
        var configuration = ServeConfiguration()
        #expect(ServeSetting.gpuHot.apply(&configuration, "60, 88") == nil)
        #expect(configuration.thresholds.gpuHot == stricter.gpuHot)
        #expect(ServeSetting.boardHot.apply(&configuration, "99,90")?.contains("below") == true)
        #expect(ServeSetting.boardHot.apply(&configuration, "hot") != nil)
        #expect(ServeSetting.gpuHot.help.contains("(default: 85,95)"))
    }

    @Test func theNodesStatusIsAProblemAndOfflineTellsNothingElse() throws {
        let series = try faults("dcgm-faults.prom", job: "dcgm-exporter")
        let stale = try health(series, status: .stale)
        #expect(stale.problems.contains { $0.code == .nodeStale && $0.severity == .warning })
        #expect(stale.problems.count == 7)
        let offline = Problems.health(of: NodeGPU(node: node, exporter: .dcgm, status: .offline, observedAt: nil), signals: HealthSignals(),
                                      integrated: false, thresholds: .standard)
        #expect(summary(offline) == ["node_offline critical"])
        #expect(offline.unknown == ProblemCode.allCases.filter { Problems.applies($0, integrated: false) && !$0.isStatus })
        // A stored snapshot served stale keeps its readings' problems, with the new status'.
        let restated = Problems.health(try health(series), restatedFor: .stale)
        #expect(restated == stale)
    }

    /// Snapshots stored before health existed still decode: every problem unknown.
    @Test func snapshotsStoredBeforeHealthStillDecode() throws {
        let stored = #"{"node":"n","exporter":"dcgm","status":"online","observedAt":null,"board":{},"uptimeSeconds":null,"gpus":[],"cpu":{"averagePercent":null,"cores":[]},"temperatures":[],"offlineSensors":[],"power":{"totalWatts":null,"rails":[]},"fanPercent":null,"processes":[]}"#
        let decoded = try JSONCoding.decoder.decode(NodeGPU.self, from: Data(stored.utf8))
        #expect(decoded.health.problems.isEmpty && decoded.health.unknown == ProblemCode.allCases)
        #expect(Problems.health(decoded.health, restatedFor: .stale).status == .warning)
    }
}
