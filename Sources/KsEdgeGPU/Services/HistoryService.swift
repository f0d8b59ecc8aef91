import Foundation
import Logging

/// Builds `GET /edge/nodes/{name}/gpu/history`: one range query, then a point at every step (null in gaps).
public struct HistoryService<Source: MetricsSource, Store: InventoryStore>: Sendable {
    let context: GPUContext<Source, Store>
    private let cache: ResponseCache<History>

    public init(context: GPUContext<Source, Store>, cacheTTL: Duration = .zero) {
        self.context = context
        cache = ResponseCache(name: "history", ttl: cacheTTL)
    }

    public func history(_ node: NodeName, _ request: HistoryRequest) async throws -> History {
        try await cache.value(for: "\(node):\(request.cacheKey)") { try await load(node, request) }
    }

    private func load(_ node: NodeName, _ request: HistoryRequest) async throws -> History {
        let query = context.queries.history(node, metrics: request.metrics)
        let answer: [Series]
        do {
            answer = try await context.source.queryRange(query.promQL, start: request.start, end: request.end, step: request.step)
        } catch {
            if error == .cancelled { throw CancellationError() }
            throw APIError.upstreamUnavailable(error)
        }
        if answer.isEmpty, try await context.store.board(node.rawValue) == nil { throw APIError.nodeNotFound(node) }
        return History(
            node: node.rawValue,
            start: Date(timeIntervalSince1970: request.start),
            end: Date(timeIntervalSince1970: request.end),
            step: request.step,
            series: query.decode(answer, over: request.range))
    }
}
