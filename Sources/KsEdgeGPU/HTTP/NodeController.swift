import Foundation
import Hummingbird

/// `/edge/nodes`, `/edge/summary`, `/edge/nodes/{name}/gpu` and its history.
struct NodeController<Source: MetricsSource, Store: InventoryStore> {
    let snapshots: NodeSnapshotService<Source, Store>
    let fleet: FleetService<Source, Store>
    let history: HistoryService<Source, Store>
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<some RequestContext>) {
        group.get("nodes", use: list)
        group.get("summary", use: summary)
        group.get("nodes/{name}/gpu", use: snapshot)
        group.get("nodes/{name}/gpu/history", use: nodeHistory)
    }

    @Sendable func list(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = try FleetRequest.parse(parameters(request))
        return try Response.json(query.apply(to: try await fleet.list()))
    }

    /// From the same (cached) fleet answer as the list: a constant number of Prometheus queries.
    @Sendable func summary(_ request: Request, context: some RequestContext) async throws -> Response {
        try Response.json(FleetSummary(try await fleet.list()))
    }

    @Sendable func snapshot(_ request: Request, context: some RequestContext) async throws -> Response {
        Response.json(try await snapshots.encodedSnapshot(try nodeName(context)))
    }

    @Sendable func nodeHistory(_ request: Request, context: some RequestContext) async throws -> Response {
        let node = try nodeName(context)
        let query = try HistoryRequest.parse(parameters(request), now: now().timeIntervalSince1970)
        return try Response.json(try await history.history(node, query))
    }

    /// The URL's query parameters, percent-decoded; a repeated one counts once, the last.
    func parameters(_ request: Request) -> [String: String] {
        Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { _, last in last })
    }

    /// The `{name}` path parameter, validated before anything else looks at it.
    func nodeName(_ context: some RequestContext) throws(APIError) -> NodeName {
        let raw = context.parameters.get("name").map { $0.removingPercentEncoding ?? $0 } ?? ""
        guard let node = NodeName(raw) else { throw .invalidNodeName(raw) }
        return node
    }
}
