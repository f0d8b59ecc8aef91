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
        let answer: [Series]
        do {
            answer = try await context.source.queryRange(context.queries.history(node, metrics: request.metrics),
                                                 start: request.start, end: request.end, step: request.step)
        } catch {
            throw APIError.upstreamUnavailable(error)
        }
        if answer.isEmpty, try await context.store.board(node.rawValue) == nil { throw APIError.nodeNotFound(node) }
        let info = JetsonSeedFormat.board(MetricFamilies(FamilyTag.restore(answer.filter { $0.labels[FamilyTag.label]?.hasPrefix("gpu_") == true })))
        let cores = JetsonBoards.onlineCores(model: info.model, nvpmode: info.nvpmode)
        return History(
            node: node.rawValue,
            start: Date(timeIntervalSince1970: request.start),
            end: Date(timeIntervalSince1970: request.end),
            step: request.step,
            series: HistorySeriesBuilder.build(answer, request: request, jetsonCores: cores))
    }
}

/// Pure: tagged range-query series -> contract series with a point at every step.
enum HistorySeriesBuilder {
    static func build(_ answer: [Series], request: HistoryRequest, jetsonCores: Int?) -> [HistorySeries] {
        var seen = Set<[String: String]>()
        var result: [HistorySeries] = []
        for series in answer {
            guard let metric = series.labels[FamilyTag.label].flatMap(HistoryMetric.init(rawValue:)) else { continue }
            let labels = series.labels.filter { metric.keptLabels.contains($0.key) }
            // Cores the board does not have: the collector writes 0 for them.
            if metric == .cpuUtilization, let jetsonCores, let core = labels["core"].flatMap({ Int($0) }), core > jetsonCores { continue }
            // A MIG-partitioned GPU repeats its physical readings on every instance's series: keep one.
            guard seen.insert(labels.merging(["ks_metric": metric.rawValue]) { first, _ in first }).inserted else { continue }
            result.append(HistorySeries(metric: metric, unit: metric.unit, labels: labels, points: fill(series.points, request)))
        }
        return result.sorted { lhs, rhs in
            lhs.metric != rhs.metric ? lhs.metric.rawValue < rhs.metric.rawValue
                : sortKey(lhs.labels).compare(sortKey(rhs.labels), options: .numeric) == .orderedAscending
        }
    }

    /// Compared numerically: gpu2 before gpu10, core 2 before core 10.
    static func sortKey(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// One point per step from start to end; steps Prometheus returned nothing for are null, never 0.
    static func fill(_ points: [Series.Point], _ request: HistoryRequest) -> [HistoryPoint] {
        let byStep = Dictionary(points.map { (Int((($0.timestamp - request.start) / request.step).rounded()), $0.value) },
                                uniquingKeysWith: { first, _ in first })
        return (0..<request.pointCount).map { index in
            let value = byStep[index].flatMap { $0.isFinite ? $0.roundedToMillionths : nil }
            return HistoryPoint(timestamp: request.start + Double(index) * request.step, value: value)
        }
    }
}
