import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
@testable import KsEdgeGPU

/// `/edge/inventory`, `/edge/events` and `/edge/nodes/{name}/events` through the router, on a SQLite file holding the
/// fixture fleet (two nodes per captured exporter page) and some events.
@Suite struct LedgerRouteTests {
    let seen = Date(timeIntervalSince1970: 1_800_000_000)

    /// Each fixture page as the inventory describes it, twice: `<page>-a`, `<page>-b`.
    func fixtureBoards() throws -> [BoardRecord] {
        let queries = GPUQueries()
        return try Fixtures.exporterPages.flatMap { page in
            try ["a", "b"].map { suffix in
                let node = page.replacingOccurrences(of: ".prom", with: "") + "-" + suffix
                let board = try #require(queries.inventory.board(of: node, try Fixtures.series(page, node: node, timestamp: 1), seen: seen))
                return BoardRecord(node: node, exporter: board.exporter, board: board.board, gpus: board.gpus, seen: seen)
            }
        }
    }

    /// A file with the fixture boards, `extra` boards and `events`.
    func database(in directory: borrowing TemporaryDirectory, extra: [BoardRecord] = [], events: [BoardEvent] = []) async throws -> String {
        let path = directory.file("ledger.sqlite")
        let inventory = try Inventory(path: path, migrationsDirectory: Fixtures.migrations, logger: TestApp.logger)
        try await inventory.recordLedger(LedgerWrite(boards: try fixtureBoards() + extra, events: events))
        try inventory.close()
        return path
    }

    func text(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        try await client.execute(uri: uri, method: .get, headers: headers) { ($0.status, $0.headers, String(buffer: $0.body)) }
    }

    @Test func theInventoryCountsTheFixtureFleetsVersions() async throws {
        let directory = try TemporaryDirectory()
        let path = try await database(in: directory)
        try await TestApp.withRouter(FakeMetricsSource(), database: path) { client, _ in
            let list = try #require(try await client.get("/edge/inventory", as: InventoryList.self).1)
            #expect(list.totalItems == 10 && list.items.count == 10)
            // Written from the captures' labels (Tests/Fixtures/exporters/README.md).
            #expect(list.facets.jetpack == ["4.6": 2, "5.1.2": 2, "6.2": 2])
            #expect(list.facets.driver == ["535.183.01": 2, "595.80": 2])
            #expect(list.facets.exporter == ["jetson": 6, "dcgm": 2, "nvidia-smi": 2])
            #expect(list.facets.model["NVIDIA Jetson AGX Orin (64GB ram)"] == 2 && list.facets.model.values.reduce(0, +) == 10)
            #expect(list.facets.l4t.values.reduce(0, +) == 6)
            // A server's GPUs with their UUIDs; a Jetson's integrated GPU has none.
            let server = try #require(list.items.first { $0.node == "dcgm-2x-a100-a" })
            #expect(server.gpus.map(\.index) == [0, 1] && server.gpus.allSatisfy { $0.uuid?.hasPrefix("GPU-") == true })
            // Filtered: the facets count what is selected; paged like the fleet.
            let orin = try #require(try await client.get("/edge/inventory?jetpack=5.1.2", as: InventoryList.self).1)
            #expect(orin.items.map(\.node) == ["jetson-agx-orin-a", "jetson-agx-orin-b"] && orin.facets.exporter == ["jetson": 2])
            let servers = try #require(try await client.get("/edge/inventory?exporter=dcgm&driver=535.183.01", as: InventoryList.self).1)
            #expect(servers.totalItems == 2 && servers.facets.jetpack.isEmpty)
            let page = try #require(try await client.get("/edge/inventory?limit=3&page=2", as: InventoryList.self).1)
            #expect(page.items.map(\.node) == Array(list.items.map(\.node)[3..<6]) && page.totalItems == 10 && page.facets == list.facets)
            // The same under KubeSphere's group.
            #expect(try await client.get("/kapis/gpu.edge.kubesphere.io/v1alpha1/inventory?model=NVIDIA%20L40S", as: InventoryList.self).1?.totalItems == 2)
            let (status, _, error) = try await client.get("/edge/inventory?exporter=prometheus", as: InventoryList.self)
            #expect(status == .badRequest && error?.error.code == "invalid_parameter")
        }
    }

    /// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled; lines end in CRLF. A
    /// field a spreadsheet would run as a formula starts with a quote mark.
    @Test func csvOpensInASpreadsheet() async throws {
        let directory = try TemporaryDirectory()
        let odd = BoardRecord(node: "odd-1", exporter: .jetson, board: NodeGPU.Board(model: #"Orin, "dev" kit"#, jetpack: "6.2", serialNumber: "=1+2"),
                              seen: seen)
        let path = try await database(in: directory, extra: [odd])
        try await TestApp.withRouter(FakeMetricsSource(), database: path) { client, _ in
            let (status, headers, body) = try await text(client, "/edge/inventory?format=csv&jetpack=6.2")
            #expect(status == .ok && headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(headers[HTTPField.Name("X-Total-Items")!] == "3")
            let lines = body.components(separatedBy: "\r\n")
            #expect(lines.first == "node,exporter,model,module,serialNumber,jetpack,l4t,driverVersion,nvpmode,gpus,firstSeen,lastSeen")
            #expect(lines.count == 5 && lines.last == "", "a header, three rows, each ending in CRLF")
            #expect(lines.contains(#"odd-1,jetson,"Orin, ""dev"" kit",,'=1+2,6.2,,,,,2027-01-15T08:00:00.000Z,2027-01-15T08:00:00.000Z"#), "\(lines)")
            // Accept: text/csv asks for it too; format wins over Accept.
            let (_, accepted, _) = try await text(client, "/edge/inventory", headers: [.accept: "text/csv"])
            #expect(accepted[.contentType]?.hasPrefix("text/csv") == true)
            let (_, json, _) = try await text(client, "/edge/inventory?format=json", headers: [.accept: "text/csv"])
            #expect(json[.contentType]?.hasPrefix("application/json") == true)
            let (bad, _, _) = try await text(client, "/edge/inventory?format=xml")
            #expect(bad == .badRequest)
        }
    }

    @Test func eventsAreNewestFirstFilteredPagedAndPerNode() async throws {
        let directory = try TemporaryDirectory()
        let events = (0..<12).map { (index: Int) -> BoardEvent in
            let node = index % 2 == 0 ? "jetson-agx-orin-a" : "dcgm-2x-a100-b"
            let board = index % 3 == 0
            let time = seen.addingTimeInterval(Double(index) * 60)
            return BoardEvent(node: node, kind: board ? .jetpack : .gpuUUID, old: "v\(index)", new: "v\(index + 1)", observedAt: time,
                              gpu: board ? nil : 1)
        }
        let path = try await database(in: directory, events: events)
        let newestFirst = Array(events.reversed())
        try await TestApp.withRouter(FakeMetricsSource(), database: path) { client, _ in
            let all = try #require(try await client.get("/edge/events", as: EventList.self).1)
            #expect(all.items == newestFirst && all.totalItems == 12)
            let jetpack = try #require(try await client.get("/edge/events?kind=jetpack&limit=2&page=2", as: EventList.self).1)
            #expect(jetpack.items == Array(newestFirst.filter { $0.kind == .jetpack }[2..<4]) && jetpack.totalItems == 4)
            let since = RFC3339.format(seen.addingTimeInterval(300))
            let window = try #require(try await client.get("/edge/events?since=\(since)&until=\(seen.timeIntervalSince1970 + 600)", as: EventList.self).1)
            #expect(window.items.map(\.observedAt) == [600.0 - 60, 480, 420, 360, 300].map { seen.addingTimeInterval($0) })
            let node = try #require(try await client.get("/edge/nodes/dcgm-2x-a100-b/events", as: EventList.self).1)
            #expect(node.items == newestFirst.filter { $0.node == "dcgm-2x-a100-b" })
            // A known board without events has an empty list; an unknown node is a 404, a bad name a 400.
            #expect(try await client.get("/edge/nodes/jetson-orin-nano-a/events", as: EventList.self).1 == EventList(items: [], totalItems: 0))
            #expect(try await client.get("/edge/nodes/nowhere/events", as: EventList.self).0 == .notFound)
            #expect(try await client.get("/edge/nodes/Bad_Name/events", as: EventList.self).0 == .badRequest)
            for bad in ["kind=upgrade", "since=yesterday", "since=2027-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", "limit=0", "until=1e300"] {
                let (status, _, error) = try await client.get("/edge/events?\(bad)", as: EventList.self)
                #expect(status == .badRequest && error?.error.code == "invalid_parameter", "\(bad)")
            }
            let (_, headers, body) = try await text(client, "/kapis/gpu.edge.kubesphere.io/v1alpha1/nodes/jetson-agx-orin-a/events?format=csv")
            #expect(headers[.contentDisposition] == #"attachment; filename="jetson-agx-orin-a-events.csv""#)
            #expect(body.hasPrefix("node,kind,old,new,observedAt,gpu,sensor,severity\r\njetson-agx-orin-a,gpu_uuid,v10,v11,"))
        }
    }
}
