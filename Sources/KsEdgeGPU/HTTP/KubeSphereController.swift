import Foundation
import Hummingbird

/// The API group `gpu.edge.kubesphere.io/v1alpha1`, as ks-apiserver forwards it to an extension's APIService
/// (`/kapis/<group>/<version>/…`, the full path): the node routes with the same bodies as under `/edge`, and the
/// console's monitoring envelope.
struct KubeSphereController<Source: MetricsSource, Store: InventoryStore> {
    static var path: String { "kapis/gpu.edge.kubesphere.io/v1alpha1" }

    let nodes: NodeController<Source, Store>
    /// Gives freed memory back to the system (`FreedMemory.giveBack` but in tests).
    let giveBackMemory: @Sendable () -> Void
    /// The fleet rows' frames and orders, for the answers of now.
    let rows = FleetRowFrames()

    func addRoutes(to group: RouterGroup<some RequestContext>) {
        nodes.addRoutes(to: group)
        group.get("nodes/{name}/metrics", use: nodeMetrics)
        group.get("nodes/metrics", use: fleetMetrics)
        group.get("cluster/metrics", use: clusterMetrics)
    }

    /// Every node's frames (the listed nodes' only, when `listed`) at `time` (now when absent) or over the range, from
    /// one range query.
    func fleetFrames(_ query: MonitoringRequest, _ metrics: [HistoryMetric], of listed: NodeAlternation? = nil,
                     now: Double) async throws -> [String: [NodeFrame]] {
        guard !metrics.isEmpty else { return [:] }
        let request = Self.historyRequest(metrics, query.range ?? .instant(query.time ?? now))
        let history = try await nodes.history.fleetHistory(request, of: listed)
        return history.mapValues { NodeFrame.frames($0) }
    }

    static func historyRequest(_ metrics: [HistoryMetric], _ range: HistoryQuery.Range) -> HistoryRequest {
        HistoryRequest(metrics: metrics, start: range.start, end: range.end, step: range.step)
    }

    /// What every-node answers say of metrics the history does not hold.
    static var perNodeOnly: String { "is only available per node, for now (nodes/{node}/metrics)" }

    /// Every node's console metrics, ordered and paged as KubeSphere's node list is. An instant of now asking only
    /// node-level metrics is answered from the fleet index's rows; the rest from one range query, of only the nodes a
    /// `resources_filter` lists by name.
    @Sendable func fleetMetrics(_ request: Request, context: some RequestContext) async throws -> Response {
        let now = nodes.now().timeIntervalSince1970
        let query = try FleetMonitoringRequest.parse(request.queryParameters, now: now)
        return try await givingBack(everyNodesRange: !Self.fromRows(query) && Self.listed(query) == nil) {
            try await fleetAnswer(query, now: now)
        }
    }

    /// `answer`, then, when it was built from every node's range (the largest answer the server parses: 136–139 MB
    /// resident after 5 minutes of 5,000 nodes, against 75–80 MB between refreshes), the memory that range and its
    /// frames took given back: they are released by now, not at the next refresh. A page of named nodes or the fleet
    /// index's rows do not pay for a trim.
    private func givingBack(everyNodesRange: Bool, _ answer: () async throws -> Response) async throws -> Response {
        let response = try await answer()
        if everyNodesRange { giveBackMemory() }
        return response
    }

    /// Whether `query` is answered from the fleet index's rows: an instant of now asking only node-level metrics.
    static func fromRows(_ query: FleetMonitoringRequest) -> Bool {
        query.monitoring.isNow && FleetRowMetrics.answer(wanted(query))
    }

    /// The metrics `query` shows, and the one it orders by.
    static func wanted(_ query: FleetMonitoringRequest) -> [ConsoleMetric] {
        query.monitoring.metrics + (query.sortMetric.map { [$0] } ?? [])
    }

    /// The nodes a `resources_filter` names (`a|b|c`, as the console names the nodes of its page), if it names them.
    static func listed(_ query: FleetMonitoringRequest) -> NodeAlternation? { query.nodeFilter.flatMap(NodeAlternation.init) }

    private func fleetAnswer(_ query: FleetMonitoringRequest, now: Double) async throws -> Response {
        let (frames, ordered) = try await orderedFrames(query, now: now)
        let page = query.paging.slice(ordered)
        let metrics = query.monitoring.metrics
        let perNode = page.map { node in
            ConsoleMetrics.results(node: node, metrics: metrics, frames: frames[node] ?? [], fromHistory: true,
                                   range: query.monitoring.range != nil, noHistory: Self.perNodeOnly)
        }
        let results = metrics.enumerated().map { index, metric in
            MonitoringResult(metricName: metric.rawValue,
                             data: MonitoringData(resultType: query.monitoring.range != nil ? "matrix" : "vector",
                                                  result: perNode.flatMap { $0[index].data.result }),
                             error: ConsoleMetrics.unavailable(metric, Self.perNodeOnly))
        }
        return try Response.json(MonitoringResults(results: results, page: query.paging.page,
                                                   totalPage: query.paging.pageCount(of: ordered.count), totalItem: ordered.count))
    }

    /// Every listed node's frames, and the nodes in the order `query` asks for, its node filter applied.
    func orderedFrames(_ query: FleetMonitoringRequest, now: Double) async throws -> ([String: [NodeFrame]], [String]) {
        let wanted = Self.wanted(query)
        var frames: [String: [NodeFrame]]
        if Self.fromRows(query) {
            let index = try await nodes.fleet.index()
            frames = rows.frames(of: index)
            if query.nodeFilter == nil { return (frames, rows.ordered(index, query)) }
        } else {
            // The console names the nodes of its page: Prometheus is asked for those, not the whole fleet.
            frames = try await fleetFrames(query.monitoring, Self.historyMetrics(of: wanted), of: Self.listed(query), now: now)
        }
        if let filter = query.nodeFilter, let pattern = try? Regex(filter) {
            frames = frames.filter { (try? pattern.wholeMatch(in: $0.key)) != nil }
        }
        return (frames, query.ordered(frames))
    }

    /// The cluster's GPU totals: `cluster_gpu_*`, summed over every node (now: over the fleet index's rows).
    @Sendable func clusterMetrics(_ request: Request, context: some RequestContext) async throws -> Response {
        let now = nodes.now().timeIntervalSince1970
        let query = try MonitoringRequest.parse(request.queryParameters, now: now)
        let metrics = query.selected(ClusterMetric.allCases)
        if query.isNow && FleetRowMetrics.answer(metrics.flatMap(\.nodeMetrics)) {
            return try Response.json(MonitoringResults(results: rows.cluster(try await nodes.fleet.index(), metrics)))
        }
        return try await givingBack(everyNodesRange: true) {
            let frames = try await fleetFrames(query, Self.historyMetrics(of: metrics.flatMap(\.nodeMetrics)), now: now)
            return try Response.json(MonitoringResults(results: ClusterMetric.results(metrics, framesByNode: frames, range: query.range != nil)))
        }
    }

    /// The history metrics `metrics` are computed from, each once.
    static func historyMetrics(of metrics: [ConsoleMetric]) -> [HistoryMetric] {
        metrics.flatMap(\.historyMetrics).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// One node's console metrics: now from its snapshot, at a past `time` or over a range from its history.
    @Sendable func nodeMetrics(_ request: Request, context: some RequestContext) async throws -> Response {
        let node = try context.nodeName()
        let now = nodes.now().timeIntervalSince1970
        let query = try MonitoringRequest.parse(request.queryParameters, now: now)
        let needed = Self.historyMetrics(of: query.metrics)
        let frames: [NodeFrame]
        // A range, or a past instant as one step of history.
        if let range = query.range ?? query.time.map(HistoryQuery.Range.instant) {
            frames = needed.isEmpty ? [] : NodeFrame.frames(try await nodes.history.history(node, Self.historyRequest(needed, range)))
        } else {
            let snapshot = try await nodes.snapshots.snapshot(node)
            frames = snapshot.observedAt.map { [NodeFrame(snapshot, at: $0.timeIntervalSince1970)] } ?? []
        }
        let results = ConsoleMetrics.results(node: node.rawValue, metrics: query.metrics, frames: frames,
                                             fromHistory: query.range != nil || query.time != nil, range: query.range != nil)
        return try Response.json(MonitoringResults(results: results))
    }
}
