import Foundation
import Testing
@testable import KsEdgeGPU

/// A board whose labels changed (a JetPack upgrade or downgrade, a swapped GPU) is shown as it is now, though the
/// series it replaced are still in the snapshot's window for a while (`SampleWindow` keeps a series the newest scrape
/// left out up to `targetGoneAfter`): whatever order the two series come in, the newer one is read.
@Suite struct ReplacedSeriesTests {
    static let now = 1_795_000_100.0
    static let queries = GPUQueries(scrapeInterval: .seconds(15))

    /// The fixture as scraped `now - 2`, with `change` applied to its labels, and the fixture as it was one scrape
    /// earlier, with `before` applied: both within the window.
    static func window(_ file: String, before: ([String: String]) -> [String: String] = { $0 },
                       change: ([String: String]) -> [String: String]) throws -> [Series] {
        let earlier = try Fixtures.series(file, node: "n1", timestamp: now - 17).map { Series(labels: before($0.labels), points: $0.points) }
        let newest = try Fixtures.series(file, node: "n1", timestamp: now - 2).map { Series(labels: change($0.labels), points: $0.points) }
        return earlier + newest
    }

    static func snapshot(_ series: [Series]) throws -> SnapshotQuery.Answer {
        // The premise: the replaced series are still current.
        let window = SampleWindow(series, now: now, goneAfter: queries.targetGoneAfter, source: queries.exporters.source(ofFamily:))
        #expect(window.current.count == series.count)
        return try #require(queries.snapshot(NodeName("n1")!).decode(series, now: Date(timeIntervalSince1970: now)))
    }

    @Test(arguments: [("6.0", "36.3.0"), ("4.6", "32.6.1")])
    func aJetsonBoardShowsItsNewJetPack(jetpack: String, l4t: String) throws {
        let series = try Self.window("jetson-agx-orin.prom") { labels in
            guard labels["__name__"] == "gpu_info_board_info" else { return labels }
            return labels.merging(["jetpack": jetpack, "l4t": l4t]) { _, new in new }
        }
        let board = try Self.snapshot(series).readings.board
        #expect(board.jetpack == jetpack && board.l4t == l4t)
    }

    @Test(arguments: ["GPU-00000000-0000-4000-8000-000000000001", "GPU-ffffffff-0000-4000-8000-000000000001"])
    func aDCGMServerShowsTheGPUSwappedIn(uuid: String) throws {
        let old = "GPU-b27e90d4-1c3a-4f58-9e2b-7a6d0c5f3e81"
        // The new GPU 1 runs 20 °C hotter than the one it replaced.
        let series = try Self.window("dcgm-2x-a100.prom") { labels in
            labels["UUID"] == old ? labels.merging(["UUID": uuid]) { _, new in new } : labels
        }.map { entry in
            guard entry.labels["UUID"] == uuid, entry.name == "DCGM_FI_DEV_GPU_TEMP" else { return entry }
            return Series(labels: entry.labels, points: entry.points.map { .init(timestamp: $0.timestamp, value: $0.value + 20) })
        }
        let gpus = try Self.snapshot(series).readings.gpus
        #expect(gpus.map(\.index) == [0, 1])
        #expect(gpus[1].uuid == uuid)
        #expect(gpus[1].temperatureCelsius == 54)
        #expect(gpus[0].uuid == "GPU-3f8a2c1e-7b4d-5e9f-a061-2c8d4e6f9b10")
    }

    @Test(arguments: ["00000000-0000-4000-8000-000000000001", "ffffffff-0000-4000-8000-000000000001"])
    func anNvidiaSMIServerShowsTheGPUSwappedIn(uuid: String) throws {
        let old = "5e9b2a71-c04d-4f3e-9a18-6d2f7b3c8e45"
        let series = try Self.window("nvidia-smi-exporter.prom") { labels in
            guard labels["uuid"] == old else { return labels }
            return labels.merging(["uuid": uuid, "serial": labels["serial"] == nil ? nil : "1654123099999"].compactMapValues { $0 }) { _, new in new }
        }
        let readings = try Self.snapshot(series).readings
        #expect(readings.gpus.map(\.uuid) == ["GPU-" + uuid])
        #expect(readings.gpus.map(\.index) == [0])
        #expect(readings.board.serialNumber == "1654123099999")
    }
}
