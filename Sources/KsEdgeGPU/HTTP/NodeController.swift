import Foundation
import Hummingbird

/// `/edge/nodes` and `/edge/nodes/{name}/gpu`.
struct NodeController<Source: MetricsSource, Store: InventoryStore> {
    let snapshots: NodeSnapshotService<Source, Store>
    let fleet: FleetService<Source, Store>
    let history: HistoryService<Source, Store>

    func addRoutes(to group: RouterGroup<some RequestContext>) {
        group.get("nodes", use: list)
        group.get("nodes/{name}/gpu", use: snapshot)
        group.get("nodes/{name}/gpu/history", use: nodeHistory)
    }

    @Sendable func list(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = try FleetQuery.parse(parameters(request))
        return try JSONResponse(query.apply(to: try await fleet.list()))
    }

    @Sendable func snapshot(_ request: Request, context: some RequestContext) async throws -> Response {
        JSONResponse(try await snapshots.encodedSnapshot(try nodeName(context)))
    }

    @Sendable func nodeHistory(_ request: Request, context: some RequestContext) async throws -> Response {
        let node = try nodeName(context)
        let query = try HistoryRequest.parse(parameters(request), now: Date().timeIntervalSince1970)
        return try JSONResponse(try await history.history(node, query))
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

/// A JSON body in the API's one encoding (sorted keys, RFC 3339 dates, explicit nulls).
func JSONResponse(_ value: some Encodable & Sendable, status: HTTPResponse.Status = .ok) throws -> Response {
    JSONResponse(try EncodedJSON(value: value), status: status)
}

func JSONResponse(_ encoded: EncodedJSON<some Sendable>, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: encoded.body))
}

/// A value with its JSON, so an answer reused from the cache is not encoded again.
public struct EncodedJSON<Value: Sendable>: Sendable {
    public let value: Value
    public let body: ByteBuffer

    init(value: Value) throws where Value: Encodable {
        self.value = value
        body = ByteBuffer(bytes: try JSONCoding.encoder.encode(value))
    }
}
