import Foundation
import Hummingbird

/// The API group `gpu.edge.kubesphere.io/v1alpha1`, as ks-apiserver forwards it to an extension's APIService
/// (`/kapis/<group>/<version>/…`, the full path): the node routes with the same bodies as under `/edge`, and the
/// console's monitoring envelope.
struct KubeSphereController<Source: MetricsSource, Store: InventoryStore> {
    static var path: String { "kapis/gpu.edge.kubesphere.io/v1alpha1" }

    let nodes: NodeController<Source, Store>

    func addRoutes(to group: RouterGroup<some RequestContext>) {
        nodes.addRoutes(to: group)
        group.get("nodes/{name}/metrics", use: nodeMetrics)
    }

    /// One node's console metrics: now from its snapshot, at a past `time` or over a range from its history.
    @Sendable func nodeMetrics(_ request: Request, context: some RequestContext) async throws -> Response {
        let node = try nodes.nodeName(context)
        let now = nodes.now().timeIntervalSince1970
        let query = try MonitoringRequest.parse(nodes.parameters(request), now: now)
        let needed = query.metrics.flatMap(\.historyMetrics).reduce(into: [HistoryMetric]()) { if !$0.contains($1) { $0.append($1) } }
        let frames: [NodeFrame]
        if let range = query.range {
            frames = needed.isEmpty ? [] : NodeFrame.frames(try await nodes.history.history(
                node, HistoryRequest(metrics: needed, start: range.start, end: range.end, step: range.step)))
        } else if let time = query.time {
            // A past instant is one step of history.
            frames = needed.isEmpty ? [] : NodeFrame.frames(try await nodes.history.history(
                node, HistoryRequest(metrics: needed, start: time, end: time, step: 1)))
        } else {
            let snapshot = try await nodes.snapshots.snapshot(node)
            frames = snapshot.observedAt.map { [NodeFrame(snapshot, at: $0.timeIntervalSince1970)] } ?? []
        }
        let results = ConsoleMetrics.results(node: node.rawValue, metrics: query.metrics, frames: frames,
                                             fromHistory: query.range != nil || query.time != nil, range: query.range != nil)
        return try Response.json(MonitoringResults(results: results))
    }
}
