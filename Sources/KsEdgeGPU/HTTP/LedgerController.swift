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
        try await events(request, node: nil)
    }

    /// A node the inventory does not know is a 404, as its snapshot is; a known one may have no events yet.
    @Sendable func nodeEvents(_ request: Request, context: some RequestContext) async throws -> Response {
        let raw = context.parameters.get("name").map { $0.removingPercentEncoding ?? $0 } ?? ""
        guard let node = NodeName(raw) else { throw APIError.invalidNodeName(raw) }
        let parameters = Self.parameters(request)
        let format = try AnswerFormat.of(request, parameters)
        let query = try EventRequest.parse(parameters, csv: format == .csv)
        guard try await store.board(node.rawValue) != nil else { throw APIError.nodeNotFound(node) }
        return try await answer(query.query(node: node.rawValue), format: format, filename: "\(node.rawValue)-events.csv")
    }

    private func events(_ request: Request, node: NodeName?) async throws -> Response {
        let parameters = Self.parameters(request)
        let format = try AnswerFormat.of(request, parameters)
        let query = try EventRequest.parse(parameters, csv: format == .csv)
        return try await answer(query.query(node: nil), format: format, filename: "ks-edge-gpu-events.csv")
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
        let parameters = Self.parameters(request)
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

    static func parameters(_ request: Request) -> [String: String] {
        Dictionary(request.queryFields, uniquingKeysWith: { _, last in last })
    }
}
