import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// Two replicas, each with its own SQLite file, in front of one real Prometheus, as the StatefulSet in
/// deploy/kubernetes runs them: whichever the Service picks, the console gets the same answers.
@Suite(.enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveReplicaTests {
    static let boards = 4
    static let mix: [(SimulatedBoard.Exporter, Int)] = [(.jetson, 2), (.dcgm, 1), (.nvidiaSMI, 1)]
    static let fixtures = LivePrometheusTests.fixtureNodes

    /// A replica as `serve` builds it, on its own SQLite file.
    static func replica(_ prometheus: PrometheusProcess, in directory: borrowing TemporaryDirectory, named name: String) async throws -> some ApplicationProtocol {
        var configuration = TestApp.configuration(database: directory.file("\(name).sqlite"), scrapeInterval: .seconds(1))
        configuration.prometheusURL = try #require(URL(string: prometheus.url))
        configuration.prometheusTimeout = .seconds(2)
        configuration.refreshInterval = .seconds(1)
        return try await buildApplication(configuration, logger: TestApp.logger)
    }

    /// The boards a replica's SQLite file holds, once it holds `count` (bounded wait).
    static func boards(_ count: Int, in path: String) async throws -> [BoardRecord] {
        var boards: [BoardRecord] = []
        for _ in 0..<40 {
            boards = try await Inventory(path: path, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger).boards()
            if boards.count == count { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        return boards.sorted { $0.node < $1.node }
    }

    /// Both replicas' answers to `ask`, asked again (bounded, 10 s) until `agree` holds of them: on a loaded machine a
    /// scrape can fail or land between the two requests, so one pair may straddle a change in Prometheus. The last
    /// pair is returned either way, for the test to check: replicas that disagree for good still fail it.
    static func agreed<T>(_ one: any TestClientProtocol, _ two: any TestClientProtocol, _ ask: (any TestClientProtocol) async throws -> T,
                          where agree: (T, T) -> Bool) async throws -> (T, T) {
        var pair = (try await ask(one), try await ask(two))
        for _ in 0..<40 where !agree(pair.0, pair.1) {
            try await Task.sleep(for: .milliseconds(250))
            pair = (try await ask(one), try await ask(two))
        }
        return pair
    }

    @Test func twoReplicasGiveTheSameAnswers() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let total = Self.boards + Self.fixtures.count
        try await LiveServices.withSimulator(boards: Self.boards, mix: Self.mix, fixtures: Self.fixtures) { simulatorPort in
            let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: binary)
            defer { prometheus.stop() }
            try await prometheus.waitForNodes(total)
            let directory = try TemporaryDirectory()
            let first = try await Self.replica(prometheus, in: directory, named: "replica-0")
            let second = try await Self.replica(prometheus, in: directory, named: "replica-1")
            try await first.test(.live) { one in
                try await second.test(.live) { two in
                    // What Prometheus says of each node, as each replica lists it. (Moving values may differ by a scrape.)
                    let identity = { (list: FleetList) in list.items.map { "\($0.node) \($0.exporter?.rawValue ?? "-") \($0.model ?? "-") \($0.status)" } }
                    let fixed = { (list: FleetList) in list.items.filter { $0.node.hasPrefix("fx-") }.map { [$0.gpuUtilizationPercent, $0.powerWatts] } }
                    let lists = try await Self.agreed(one, two) { client in try #require(try await client.fleet { $0.totalItems == total }) }
                        where: { identity($0) == identity($1) && fixed($0) == fixed($1) && $0.items.allSatisfy { $0.status == .online } }
                    #expect(lists.0.totalItems == total && lists.1.totalItems == total)
                    #expect(identity(lists.0) == identity(lists.1))
                    #expect(fixed(lists.0) == fixed(lists.1))
                    #expect(lists.0.items.allSatisfy { $0.status == .online })

                    // The fixtures' values never move: the same whole answer from either replica, but for the times
                    // (each replica's own first sight of the board, and scrapes a second apart).
                    for node in Self.fixtures.keys.sorted() {
                        let answers = try await Self.agreed(one, two) { client -> NodeGPU in
                            var answer = try #require(try await client.get("/edge/nodes/\(node)/gpu", as: NodeGPU.self).1)
                            answer.board.firstSeen = nil
                            answer.board.lastSeen = nil
                            answer.observedAt = nil
                            return answer
                        } where: { $0 == $1 && $0.status == .online }
                        #expect(answers.0 == answers.1, "\(node)")
                        #expect(answers.0.status == .online, "\(node)")
                        #expect(!answers.0.gpus.isEmpty, "\(node)")
                    }

                    // Each inventory, refreshed from Prometheus on its own, holds the same boards with the same facts.
                    let inventories = try await ["replica-0", "replica-1"].asyncMap { try await Self.boards(total, in: directory.file("\($0).sqlite")) }
                    let facts = { (boards: [BoardRecord]) in
                        boards.map { [$0.node, $0.exporter.rawValue, $0.model, $0.serialNumber, $0.driverVersion, $0.jetpack, $0.soc].map { $0 ?? "-" } }
                    }
                    #expect(inventories[0].count == total)
                    #expect(facts(inventories[0]) == facts(inventories[1]))
                }
            }
        }
    }
}
