import Foundation
import Hummingbird

/// The board ledger: `/edge/events`, `/edge/nodes/{name}/events` and `/edge/inventory`, in JSON or CSV.
struct LedgerController<Store: InventoryStore> {
    let store: Store

    func addRoutes(to group: RouterGroup<some RequestContext>) {
        group.get("events", use: fleetEvents)
        group.get("nodes/{name}/events", use: nodeEvents)
        group.get("inventory", use: inventory)
    }

    @Sendable func fleetEvents(_ request: Request, context: some RequestContext) async throws -> Response {
        let (query, format) = try Self.eventRequest(request)
        return try await answer(query.query(node: nil), format: format, filename: "ks-edge-gpu-events.csv")
    }

    /// A node the inventory does not know is a 404, as its snapshot is; a known one may have no events yet.
    @Sendable func nodeEvents(_ request: Request, context: some RequestContext) async throws -> Response {
        let node = try context.nodeName()
        let (query, format) = try Self.eventRequest(request)
        guard try await store.board(node.rawValue) != nil else { throw APIError.nodeNotFound(node) }
        return try await answer(query.query(node: node.rawValue), format: format, filename: "\(node.rawValue)-events.csv")
    }

    /// The events' filters and page, and the format asked for.
    static func eventRequest(_ request: Request) throws(APIError) -> (EventRequest, AnswerFormat) {
        let parameters = request.queryParameters
        let format = try AnswerFormat.of(request, parameters)
        return (try EventRequest.parse(parameters, csv: format == .csv), format)
    }

    private func answer(_ query: EventQuery, format: AnswerFormat, filename: String) async throws -> Response {
        let events = try await store.events(query)
        guard format == .csv else { return try Response.json(events) }
        var table = CSVTable(header: ["node", "kind", "old", "new", "observedAt", "gpu", "sensor", "severity"])
        table.rows = events.items.map { event in
            [event.node, event.kind.rawValue, event.old, event.new, RFC3339.format(event.observedAt), event.gpu.map(String.init), event.sensor,
             event.severity?.rawValue]
        }
        return table.response(filename: filename, totalItems: events.totalItems)
    }

    /// From the boards in memory: no query, no disk read.
    @Sendable func inventory(_ request: Request, context: some RequestContext) async throws -> Response {
        let parameters = request.queryParameters
        let format = try AnswerFormat.of(request, parameters)
        let list = try InventoryRequest.parse(parameters).answer(try await store.boards())
        guard format == .csv else { return try Response.json(list) }
        var table = CSVTable(header: ["node", "exporter", "model", "module", "serialNumber", "jetpack", "l4t", "driverVersion", "nvpmode",
                                      "gpus", "firstSeen", "lastSeen"])
        table.rows = list.items.map { item in
            let gpus = item.gpus.map { gpu in "\(gpu.index): \(gpu.name ?? "?")" + (gpu.uuid.map { " (\($0))" } ?? "") }.joined(separator: "; ")
            return [item.node, item.exporter.rawValue, item.model, item.module, item.serialNumber, item.jetpack, item.l4t, item.driverVersion,
                    item.nvpmode, gpus, RFC3339.format(item.firstSeen), RFC3339.format(item.lastSeen)]
        }
        return table.response(filename: "ks-edge-gpu-inventory.csv", totalItems: list.totalItems)
    }
}
