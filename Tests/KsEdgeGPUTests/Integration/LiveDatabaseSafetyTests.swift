import AsyncHTTPClient
import Foundation
import GRDB
import Testing
@testable import KsEdgeGPU
import Simulator

/// The built `ks-edge-gpu serve`, killed or refused on its own inventory file: nothing committed is lost, and a file
/// it cannot use stops start-up with a message naming it.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveDatabaseSafetyTests {
    static let boards = 120

    static func serveArguments(port: Int, prometheus: String, database: String) -> [String] {
        ["serve", "--host", "127.0.0.1", "--port", "\(port)", "--prometheus-url", prometheus, "--database", database,
         "--refresh-interval", "1s", "--scrape-interval", "1s", "--cache-ttl", "0s"]
    }

    /// What a reader saw committed: each board's first and last sighting, its snapshot's time, and the ledger's events
    /// (by their key: node, time, kind and subject; and by what they changed: node, kind, subject and new value).
    struct Committed {
        var firstSeen: [String: Date] = [:]
        var lastSeen: [String: Date] = [:]
        var snapshotAt: [String: Date] = [:]
        var events: Set<String> = []
        var changes: [String] = []

        static func read(_ db: Database) throws -> Committed {
            var committed = Committed()
            for board in try BoardRecord.fetchAll(db) {
                committed.firstSeen[board.node] = board.firstSeen
                committed.lastSeen[board.node] = board.lastSeen
            }
            for snapshot in try SnapshotRecord.fetchAll(db) { committed.snapshotAt[snapshot.node] = snapshot.observedAt }
            for event in try BoardEventRecord.fetchAll(db) {
                committed.events.insert("\(event.node) \(event.observedAt) \(event.kind) \(event.subject)")
                committed.changes.append("\(event.node) \(event.kind) \(event.subject) \(event.new ?? "-")")
            }
            return committed
        }

        /// The latest of each, over several readings.
        mutating func merge(_ other: Committed) {
            firstSeen.merge(other.firstSeen) { min($0, $1) }
            lastSeen.merge(other.lastSeen) { max($0, $1) }
            snapshotAt.merge(other.snapshotAt) { max($0, $1) }
            events.formUnion(other.events)
        }

        /// Changes recorded more than once.
        var doubled: [String] { Dictionary(grouping: changes, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted() }
    }

    @Test func sigkillInTheMiddleOfWritesLosesNothingCommitted() async throws {
        let prometheusBinary = try #require(LiveServices.prometheusBinary)
        let server = try #require(LiveProgram.server, "build ks-edge-gpu first (swift build --build-tests)")
        let directory = try TemporaryDirectory()
        let database = directory.file("inventory.sqlite")
        try await LiveServices.withSimulator(boards: Self.boards, fixtures: [:]) { simulatorPort in
            let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: prometheusBinary)
            defer { prometheus.stop() }
            try await prometheus.waitForNodes(Self.boards)
            let first = try await LiveProgram(server, readyPath: "/health") {
                Self.serveArguments(port: $0, prometheus: prometheus.url, database: database)
            }
            defer { first.kill() }

            // Readers see only committed transactions: what they see is what must survive.
            let reader = try DatabaseQueue(path: database, configuration: { var c = Configuration(); c.readonly = true; return c }())
            var witnessed = Committed()
            var advances = 0
            // Snapshot requests (each a write of the node's last good snapshot) race the inventory refresh each second,
            // while boards are swapped one after another (each a ledger event once it held two refreshes).
            try await withThrowingTaskGroup(of: Void.self) { load in
                load.addTask {
                    for node in Self.nodes where !Task.isCancelled {
                        var swap = HTTPClientRequest(url: "http://127.0.0.1:\(simulatorPort)/nodes/\(node)/swap")
                        swap.method = .POST
                        _ = try? await HTTPClient.shared.execute(swap, timeout: .seconds(5))
                        try? await Task.sleep(for: .milliseconds(150))
                    }
                }
                for worker in 0..<8 {
                    load.addTask {
                        var index = worker
                        while !Task.isCancelled {
                            let request = HTTPClientRequest(url: "\(first.url)/edge/nodes/\(Self.nodeName(index))/gpu")
                            _ = try? await HTTPClient.shared.execute(request, timeout: .seconds(5))
                            index += 8
                        }
                    }
                }
                // Until the writes have moved the newest sighting on a few times, stored some snapshots, and every board
                // has been committed once (a refresh on a loaded machine can miss a board whose scrape failed) (bounded).
                for _ in 0..<1500 where advances < 4 || witnessed.snapshotAt.count < 20 || witnessed.lastSeen.count < Self.boards
                    || witnessed.events.count < Self.boards + 10 {
                    let reading = try await reader.read { try Committed.read($0) }
                    if let newest = reading.lastSeen.values.max(), newest > (witnessed.lastSeen.values.max() ?? .distantPast) { advances += 1 }
                    witnessed.merge(reading)
                    try await Task.sleep(for: .milliseconds(20))
                }
                // Killed with writes going on, between the last reading and whatever came after it.
                first.kill()
                load.cancelAll()
            }
            try reader.close()
            #expect(advances >= 4 && witnessed.snapshotAt.count >= 20 && witnessed.lastSeen.count == Self.boards
                    && witnessed.events.count >= Self.boards + 10,
                    "the server was not writing: \(advances) advances, \(witnessed.lastSeen.count) boards, \(witnessed.events.count) events")
            #expect(FileManager.default.fileExists(atPath: database + "-wal"), "the server died with its write-ahead log open")

            // The file as the next start finds it, before that start touches it.
            let after = try DatabaseQueue(path: database)
            let integrity = try await after.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
            #expect(integrity == ["ok"])
            let stored = try await after.read { try Committed.read($0) }
            try after.close()
            #expect(stored.lastSeen.count >= Self.boards)
            for (node, lastSeen) in witnessed.lastSeen {
                #expect((stored.lastSeen[node] ?? .distantPast) >= lastSeen, "\(node): last seen went back")
                #expect(stored.firstSeen[node] == witnessed.firstSeen[node], "\(node): first seen changed")
            }
            for (node, observedAt) in witnessed.snapshotAt {
                #expect((stored.snapshotAt[node] ?? .distantPast) >= observedAt, "\(node): its snapshot went back")
            }
            #expect(witnessed.events.subtracting(stored.events).isEmpty, "events lost: \(witnessed.events.subtracting(stored.events).sorted().prefix(5))")
            #expect(stored.doubled.isEmpty, "\(stored.doubled.prefix(5))")

            // And the server starts again on it, keeping every board's first sighting through its next refresh.
            let second = try await LiveProgram(server, readyPath: "/health") {
                Self.serveArguments(port: $0, prometheus: prometheus.url, database: database)
            }
            defer { second.stop() }
            let (status, output) = try curl(["-f", "\(second.url)/edge/nodes/\(Self.nodeName(0))/gpu"])
            #expect(status == 0, "\(output)")
            try await Task.sleep(for: .seconds(2))
            let restarted = try DatabaseQueue(path: database, configuration: { var c = Configuration(); c.readonly = true; return c }())
            let kept = try await restarted.read { try Committed.read($0) }
            for (node, firstSeen) in stored.firstSeen { #expect(kept.firstSeen[node] == firstSeen, "\(node)") }
            // The restarted server found the changes the killed one had not recorded, and none it had a second time.
            #expect(stored.events.subtracting(kept.events).isEmpty)
            #expect(kept.doubled.isEmpty, "recorded twice: \(kept.doubled.prefix(5))")
        }
    }

    @Test func startUpStopsOnAFileItCannotUseNamingItAndLeavesItAsItWas() async throws {
        let server = try #require(LiveProgram.server, "build ks-edge-gpu first (swift build --build-tests)")
        let directory = try TemporaryDirectory()
        let port = try LiveServices.freePort()
        func serve(_ database: String, as user: [String] = []) throws -> (status: Int32, output: String) {
            let arguments = ["serve", "--host", "127.0.0.1", "--port", "\(port)", "--database", database]
            return user.isEmpty ? try run(server, arguments) : try run(user[0], Array(user.dropFirst()) + [server] + arguments)
        }

        let garbage = directory.file("garbage.sqlite")
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: garbage))
        let refused = try serve(garbage)
        #expect(refused.status == 1)
        #expect(refused.output.contains("database \(garbage) is not a SQLite database"), "\(refused.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: garbage)) == Data(repeating: 0x5A, count: 4096))

        // A good inventory in a folder this user may not write: root may write anything, so it runs as nobody.
        let folder = directory.file("read-only")
        let good = folder + "/inventory.sqlite"
        try await Inventory(path: good, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
            .upsert([BoardRecord(node: "edge-a", exporter: .jetson, board: NodeGPU.Board(model: "Orin"), seen: Date())])
        let before = try Data(contentsOf: URL(fileURLWithPath: good))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: good)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }
        let nobody = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        let unwritable = try serve(good, as: nobody)
        #expect(unwritable.status == 1)
        #expect(unwritable.output.contains("database \(good) cannot be written"), "\(unwritable.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: good)) == before)
    }

    /// The simulated fleet's node names, cycled through.
    static let nodes = SimulatedBoard.fleet(count: boards).map(\.node)
    static func nodeName(_ index: Int) -> String { nodes[index % nodes.count] }
}
