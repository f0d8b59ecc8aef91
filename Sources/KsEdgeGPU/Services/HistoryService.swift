import Foundation
import Logging

/// Builds `GET /edge/nodes/{name}/gpu/history`: one range query, then a point at every step (null in gaps).
public struct HistoryService<Source: MetricsSource, Store: InventoryStore>: Sendable {
    let context: GPUContext<Source, Store>
    private let cache: ResponseCache<History>
    private let fleetCache: ResponseCache<[String: [HistorySeries]]>
    public init(context: GPUContext<Source, Store>, cacheTTL: Duration = .zero) {
        self.context = context
        cache = ResponseCache(name: "history", ttl: cacheTTL)
        fleetCache = ResponseCache(name: "fleet_history", ttl: cacheTTL)
    }

    /// Every node's series of `request.metrics` over its range (only the listed nodes' when `nodes` lists them), by
    /// node, from one range query whatever the fleet size.
    public func fleetHistory(_ request: HistoryRequest, of nodes: NodeAlternation? = nil) async throws -> [String: [HistorySeries]] {
        try await fleetCache.value(for: "\(nodes?.pattern ?? "*"):\(request.cacheKey)") { try await loadFleet(request, of: nodes) }
    }

    private func loadFleet(_ request: HistoryRequest, of nodes: NodeAlternation?) async throws -> [String: [HistorySeries]] {
        let query = context.queries.history(of: nodes, metrics: request.metrics)
        return query.decodeByNode(try await answer(query, request), over: request.range)
    }

    /// The range query's answer; a history has nothing stored to fall back on, so an outage is a 503.
    private func answer(_ query: HistoryQuery, _ request: HistoryRequest) async throws -> [Series] {
        do {
            return try await context.source.queryRange(query.promQL, start: request.start, end: request.end, step: request.step)
        } catch {
            if error == .cancelled { throw CancellationError() }
            throw APIError.upstreamUnavailable(error)
        }
    }

    public func history(_ node: NodeName, _ request: HistoryRequest) async throws -> History {
        try await cache.value(for: "\(node):\(request.cacheKey)") { try await load(node, request) }
    }

    private func load(_ node: NodeName, _ request: HistoryRequest) async throws -> History {
        let query = context.queries.history(node, metrics: request.metrics)
        let answer = try await answer(query, request)
        if answer.isEmpty, try await context.store.board(node.rawValue) == nil { throw APIError.nodeNotFound(node) }
        return History(
            node: node.rawValue,
            start: Date(timeIntervalSince1970: request.start),
            end: Date(timeIntervalSince1970: request.end),
            step: request.step,
            series: query.decode(answer, over: request.range))
    }
}
