import Foundation
import Hummingbird

/// `/edge/nodes`, `/edge/summary`, `/edge/nodes/{name}/gpu` and its history.
struct NodeController<Source: MetricsSource, Store: InventoryStore> {
    let snapshots: NodeSnapshotService<Source, Store>
    let fleet: FleetIndexService<Source, Store>
    let history: HistoryService<Source, Store>
    let feeds: SnapshotFeeds<Source, Store>
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<some RequestContext>) {
        group.get("nodes", use: list)
        group.get("summary", use: summary)
        group.get("problems", use: problems)
        group.get("nodes/{name}/gpu", use: snapshot)
        group.get("nodes/{name}/gpu/history", use: nodeHistory)
        group.get("nodes/{name}/gpu/stream", use: stream)
    }

    /// From the fleet index: no Prometheus query, no sort, and no encoding for a view asked before since its refresh.
    @Sendable func list(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = try FleetRequest.parse(request.queryParameters)
        let index = try await fleet.index()
        return Response.json(try index.answer(query)).dated(index.newestData, now: now(), stale: index.isStale, counter: DataAge.staleFleets)
    }

    /// Every current problem in the fleet, from the same index as the list: no Prometheus query.
    @Sendable func problems(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = try ProblemRequest.parse(request.queryParameters)
        let index = try await fleet.index()
        return Response.json(try EncodedJSON(value: index.problems(query)))
            .dated(index.newestData, now: now(), stale: index.isStale, counter: DataAge.staleFleets)
    }

    /// From the same index as the list, encoded when the index was made.
    @Sendable func summary(_ request: Request, context: some RequestContext) async throws -> Response {
        let index = try await fleet.index()
        return Response.json(index.summary).dated(index.newestData, now: now(), stale: false, counter: DataAge.staleFleets)
    }

    @Sendable func snapshot(_ request: Request, context: some RequestContext) async throws -> Response {
        let snapshot = try await snapshots.encodedSnapshot(try context.nodeName())
        return Response.json(snapshot).dated(snapshot.value.observedAt, now: now(), stale: snapshot.value.status == .stale,
                                             counter: DataAge.staleSnapshots)
    }

    /// `text/event-stream`: a `snapshot` event now and whenever a new scrape arrives (id: `observedAt` in ms). An
    /// unknown node or Prometheus down with nothing stored is a JSON error before the stream starts.
    @Sendable func stream(_ request: Request, context: some RequestContext) async throws -> Response {
        let node = try context.nodeName()
        let current = try await snapshots.encodedSnapshot(node)
        let snapshots = await feeds.subscribe(node, current: current)
        return EventStream.response(snapshots.map { snapshot in
            EventStream.event("snapshot", id: snapshot.value.observedAt.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) },
                              data: snapshot.body)
        })
    }

    @Sendable func nodeHistory(_ request: Request, context: some RequestContext) async throws -> Response {
        let node = try context.nodeName()
        let query = try HistoryRequest.parse(request.queryParameters, now: now().timeIntervalSince1970)
        return try Response.json(try await history.history(node, query))
    }
}
