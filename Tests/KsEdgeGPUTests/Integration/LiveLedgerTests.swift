import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// The board ledger against a real Prometheus scraping the simulator: a JetPack upgrade, a board swapped under its
/// node's name, a GPU swapped in a server and a driver upgrade each give exactly one event per changed value, at the
/// time of the first sample that showed it (Prometheus' own raw samples are the witness), recorded alike by two
/// replicas with their own files and never again by one of them restarted on its file.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveLedgerTests {
    static let mix: [(SimulatedBoard.Exporter, Int)] = [(.jetson, 3), (.dcgm, 1)]
    static let fleet = SimulatedBoard.fleet(count: 4, mix: mix)
    static let kinds = "jetpack,l4t,serial,driver,gpu_uuid"

    static func replica(_ prometheus: PrometheusProcess, file path: String) async throws -> some ApplicationProtocol {
        var configuration = TestApp.configuration(database: path, scrapeInterval: .seconds(1))
        configuration.prometheusURL = try #require(URL(string: prometheus.url))
        configuration.refreshInterval = .seconds(1)
        return try await buildApplication(configuration, logger: TestApp.logger)
    }

    /// The events of `kinds` once there are `count` of them (bounded wait), oldest first.
    static func events(_ client: any TestClientProtocol, kinds: String = Self.kinds, count: Int) async throws -> [BoardEvent] {
        var events: [BoardEvent] = []
        for _ in 0..<120 {
            events = try await client.get("/edge/events?kind=\(kinds)", as: EventList.self).1?.items ?? []
            if events.count >= count { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        return events.reversed()
    }

    static func change(_ node: String, _ change: String, simulator port: Int) async throws {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/nodes/\(node)/\(change)")))
        request.httpMethod = "POST"
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }

    /// The time of the first sample Prometheus holds of `selector`: the witness of when a value first showed.
    static func firstSample(_ prometheus: PrometheusProcess, _ selector: String) async throws -> Date? {
        let series = try await prometheus.query("\(selector)[10m]")
        return series.compactMap { $0.points.first?.timestamp }.min().map { Date(timeIntervalSince1970: $0) }
    }

    /// GPU 1's UUID on the simulated A100 server after `swaps` swaps, as its page writes it.
    static func uuid(of board: SimulatedBoard, swaps: Int) throws -> String {
        var board = board
        board.revision.swaps = swaps
        let series = try ExpositionParser.parse(board.render(at: 0), timestamp: 0)
        return try #require(series.first { $0.name == "DCGM_FI_DEV_GPU_TEMP" && $0.labels["gpu"] == "1" }?.labels["UUID"])
    }

    @Test func eachChangeIsOneEventAtItsFirstSampleForBothReplicasAndAfterARestart() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let (xavier, orin, a100) = ("edge-xavier-nx-01", "edge-agx-orin-02", "gpu-a100-04")
        let server = try #require(Self.fleet.first { $0.node == a100 })
        #expect(Self.fleet.map(\.node).contains(xavier) && Self.fleet.map(\.node).contains(orin))
        let (oldUUID, newUUID) = (try Self.uuid(of: server, swaps: 0), try Self.uuid(of: server, swaps: 1))
        try await LiveServices.withSimulator(boards: Self.fleet.count, mix: Self.mix, fixtures: [:]) { simulator in
            let prometheus = try PrometheusProcess(targetsPort: simulator, binary: binary)
            defer { prometheus.stop() }
            try await prometheus.waitForNodes(Self.fleet.count)
            let directory = try TemporaryDirectory()
            let (fileA, fileB) = (directory.file("a.sqlite"), directory.file("b.sqlite"))
            try await Self.replica(prometheus, file: fileB).test(.live) { replicaB in
                let (recorded, offline) = try await Self.replica(prometheus, file: fileA).test(.live) { replicaA in
                    // Both ledgers know every board before anything changes.
                    for client in [replicaA, replicaB] {
                        let arrivals = try await Self.events(client, kinds: "first_seen", count: Self.fleet.count)
                        #expect(Set(arrivals.map(\.node)) == Set(Self.fleet.map(\.node)))
                    }
                    try await Self.change(orin, "upgrade", simulator: simulator)
                    try await Self.change(xavier, "swap", simulator: simulator)
                    try await Self.change(a100, "swap", simulator: simulator)
                    try await Self.change(a100, "upgrade", simulator: simulator)
                    let events = try await Self.events(replicaA, count: 5)
                    #expect(Set(events.map { "\($0.node) \($0.kind.rawValue) \($0.old ?? "-")>\($0.new ?? "-")" }) == [
                        "\(orin) jetpack 5.1.2>6.0", "\(orin) l4t 35.4.1>36.3.0", "\(xavier) serial 1422020000000>1422020104729",
                        "\(a100) driver 535.183.01>550.127.05",
                        "\(a100) gpu_uuid \(oldUUID)>\(newUUID)",
                    ], "\(events)")
                    #expect(events.first { $0.kind == .gpuUUID }?.gpu == 1)
                    // Each at the time of the first sample that showed it, to the millisecond.
                    let witnesses: [(BoardEventKind, String, String)] = [
                        (.jetpack, orin, #"gpu_info_board_info{instance="\#(orin)",jetpack="6.0"}"#),
                        (.l4t, orin, #"gpu_info_board_info{instance="\#(orin)",l4t="36.3.0"}"#),
                        (.serial, xavier, #"gpu_info_hardware_info{instance="\#(xavier)",serial_number="1422020104729"}"#),
                        (.driver, a100, #"DCGM_FI_DEV_GPU_TEMP{instance="\#(a100)",DCGM_FI_DRIVER_VERSION="550.127.05"}"#),
                        (.gpuUUID, a100, #"DCGM_FI_DEV_GPU_TEMP{instance="\#(a100)",gpu="1",UUID="\#(newUUID)"}"#),
                    ]
                    for (kind, node, selector) in witnesses {
                        let event = events.first { $0.kind == kind && $0.node == node }
                        let first = try await Self.firstSample(prometheus, selector)
                        #expect(event?.observedAt != nil && event?.observedAt == first, "\(kind.rawValue) at \(String(describing: event?.observedAt)), first sample \(String(describing: first))")
                    }
                    // Problems open in the ledger as the fleet index reports them: the Xavier NX's offline sensor.
                    let opened = try await Self.events(replicaA, kinds: "problem_opened", count: 1)
                    #expect(opened.contains { $0.node == xavier && $0.new == "sensor_offline" && $0.sensor == "aux" && $0.severity == .info },
                            "\(opened)")
                    let offline = opened.filter { $0.node == xavier && $0.new == "sensor_offline" }
                    // The node's own list.
                    let mine = try #require(try await replicaA.get("/edge/nodes/\(orin)/events?kind=jetpack", as: EventList.self).1)
                    #expect(mine.items.map(\.new) == ["6.0"] && mine.totalItems == 1)
                    return (events, offline)
                }
                // The other replica recorded the same events at the same times, the problem's too (the first instant of
                // its signal on the scrape interval's grid).
                #expect(try await Self.events(replicaB, count: recorded.count) == recorded)
                let offlineB = try await Self.events(replicaB, kinds: "problem_opened", count: 1).filter { $0.node == xavier && $0.new == "sensor_offline" }
                #expect(!offline.isEmpty && offlineB == offline, "\(offline) vs \(offlineB)")
                // Replica A restarted on its file: several refreshes later, nothing recorded twice.
                try await Self.replica(prometheus, file: fileA).test(.live) { restarted in
                    try await Task.sleep(for: .seconds(4))
                    let again = try #require(try await restarted.get("/edge/events?limit=1000", as: EventList.self).1)
                    #expect(again.items.filter { Self.kinds.split(separator: ",").contains(Substring($0.kind.rawValue)) }.reversed() == recorded)
                    #expect(again.items.filter { $0.kind == .firstSeen }.count == Self.fleet.count)
                }
            }
        }
    }
}
