import Foundation
import NIOCore
import KsEdgeGPU
import Synchronization

/// An in-memory Prometheus: answers each query from the node series it holds, applying the
/// query's equality matchers on the node label, and records every query it is sent.
final class FakeMetricsSource: MetricsSource {
    let state = Mutex<State>(State())

    struct State {
        var series: [Series] = []
        var failure: UpstreamError?
        var queries: [PromQL] = []
        /// The range queries among them.
        var rangeQueries: [PromQL] = []
        var rangeAnswer: [Series] = []
        var canned: [PromQL: [Series]] = [:]
        /// Queries answered with an error, whatever else answers.
        var failing: [PromQL: UpstreamError] = [:]
        /// The request each query was sent for (`RequestTrace.id`), in order.
        var requestIDs: [String?] = []
    }

    /// How long each answer takes, so concurrent requests overlap.
    let delay: Duration

    init(series: [Series] = [], delay: Duration = .zero) {
        self.delay = delay
        state.withLock { $0.series = series }
    }

    var queries: [PromQL] { state.withLock { $0.queries } }
    var rangeQueries: [PromQL] { state.withLock { $0.rangeQueries } }
    var requestIDs: [String?] { state.withLock { $0.requestIDs } }

    func fail(with error: UpstreamError?) { state.withLock { $0.failure = error } }

    /// Answers exactly `query` with `error` (nil: answers it again).
    func fail(_ query: PromQL, with error: UpstreamError?) { state.withLock { $0.failing[query] = error } }

    func replace(_ series: [Series]) { state.withLock { $0.series = series } }

    func query(_ query: PromQL) async throws(UpstreamError) -> [Series] {
        let (series, failure) = state.withLock { state in
            state.queries.append(query)
            state.requestIDs.append(RequestTrace.id)
            return (state.series, state.failing[query] ?? state.failure)
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        if let failure { throw failure }
        if let answer = state.withLock({ $0.canned[query] }) { return answer }
        return Self.evaluate(query.text, over: series)
    }

    /// Answers exactly `query` with `series`, for queries whose PromQL is beyond this fake (aggregations).
    func answer(_ query: PromQL, with series: [Series]) { state.withLock { $0.canned[query] = series } }

    /// Range queries are recorded and answered with `rangeAnswer` (history's PromQL is checked against a real Prometheus).
    func queryRange(_ query: PromQL, start: Double, end: Double, step: Double) async throws(UpstreamError) -> [Series] {
        let failure = state.withLock { state in
            state.queries.append(query)
            state.rangeQueries.append(query)
            state.requestIDs.append(RequestTrace.id)
            return state.failure
        }
        if let failure { throw failure }
        return state.withLock { $0.rangeAnswer }
    }

    func answerRanges(with series: [Series]) { state.withLock { $0.rangeAnswer = series } }

    /// Just enough PromQL for ks-edge-gpu's own queries: clauses joined by ` or ` (outside parentheses); in each,
    /// the first selector's matchers (a missing label matches ""), or every selector's within `timestamp(...)`
    /// (values become sample times, the name is dropped), `max` and `max by (label)`, and
    /// `label_replace(…, "ks_family", "NAME", "", "")`. The held series are what Prometheus holds as current: one
    /// newest point each; a range selector's `[…]` (the snapshot's raw samples) returns them as they are.
    static func evaluate(_ text: String, over series: [Series]) -> [Series] {
        topLevelClauses(text).flatMap { evaluateClause($0, over: series) }
    }

    /// `text` split at each ` or ` outside parentheses and braces.
    static func topLevelClauses(_ text: String) -> [String] {
        var clauses: [String] = []
        var depth = 0
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "(" || character == "{" { depth += 1 }
            if character == ")" || character == "}" { depth -= 1 }
            if depth == 0, text[index...].hasPrefix(" or ") {
                clauses.append(String(text[start..<index]))
                index = text.index(index, offsetBy: 4)
                start = index
                continue
            }
            index = text.index(after: index)
        }
        return clauses + [String(text[start...])]
    }

    /// The selector's matchers as one predicate, its regular expressions compiled once.
    static func predicate(_ selector: String) -> (Series) -> Bool {
        let matchers = selector.matches(of: /([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"/).map { match in
            let value = String(match.output.3)
            return (label: String(match.output.1), op: String(match.output.2), value: value,
                    regex: match.output.2.hasSuffix("~") ? try? Regex("^(?:\(value))$") : nil)
        }
        return { entry in
            matchers.allSatisfy { matcher in
                let actual = entry.labels[matcher.label] ?? ""
                switch matcher.op {
                case "=": return actual == matcher.value
                case "!=": return actual != matcher.value
                case "!~": return matcher.regex.map { (try? $0.wholeMatch(in: actual)) == nil } ?? false
                default: return matcher.regex.map { (try? $0.wholeMatch(in: actual)) != nil } ?? false
                }
            }
        }
    }

    static func evaluateClause(_ text: String, over series: [Series]) -> [Series] {
        let selectors = text.matches(of: /\{[^}]*\}/).map { String(text[$0.range]) }
        let used = (text.contains("timestamp(") ? selectors : Array(selectors.prefix(1))).map(predicate)
        var result = series.filter { entry in used.isEmpty || used.contains { $0(entry) } }
        if text.contains("timestamp(") {
            result = result.map { entry in
                var labels = entry.labels
                labels["__name__"] = nil
                return Series(labels: labels, points: entry.points.map { .init(timestamp: $0.timestamp, value: $0.timestamp) })
            }
        }
        if let aggregation = text.firstMatch(of: /max(?: by \(([A-Za-z_]+)\))? ?\(/) {
            let label = aggregation.output.1.map(String.init)
            let groups = Dictionary(grouping: result, by: { entry in label.map { entry.labels[$0] ?? "" } ?? "" })
            result = groups.map { key, members in
                let newest = members.compactMap(\.latest).max { $0.value < $1.value }!
                return Series(labels: label.map { [$0: key] } ?? [:], points: [newest])
            }
        }
        if let family = text.firstMatch(of: /"ks_family", "([^"]*)"/)?.output.1 {
            result = result.map { entry in
                var labels = entry.labels
                labels["ks_family"] = String(family)
                return Series(labels: labels, points: entry.points)
            }
        }
        return result
    }
}

extension FakeMetricsSource: PrometheusForwarder {
    /// Records the forwarded request as a query (`path?name=value&…`) and answers with its form as JSON.
    func forward(path: String, form: [(String, String)]) async throws(UpstreamError) -> ForwardedAnswer {
        let text = path + "?" + form.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let failure = state.withLock { state in
            state.queries.append(PromQL(trusted: text))
            return state.failure
        }
        if let failure { throw failure }
        let body = try? JSONSerialization.data(withJSONObject: ["status": "success", "forwarded": text])
        return ForwardedAnswer(status: 200, contentType: "application/json", body: ByteBuffer(bytes: body ?? Data()))
    }
}
