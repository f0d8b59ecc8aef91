import Foundation

/// When one node's problem opened or closed, as Prometheus evaluates its signal: the problem's expression over the
/// node (its exporter's and node-exporter's, as the fleet reads them), evaluated on a grid of scrape intervals aligned
/// to the Unix epoch from a while before the ledger first saw the change. Problems are evaluated, not sampled, so the
/// time is the first grid instant of the run of instants that holds the problem now (opened), or the instant after
/// the last one (closed): two replicas evaluate the same instants of the same data and find the same one.
public struct ProblemTimeQuery: Sendable {
    let queries: GPUQueries
    let thresholds: ProblemThresholds
    public let node: NodeName
    /// The exporter that describes the node.
    public let exporter: ExporterKind
    public let code: ProblemCode
    public let start: Double
    public let end: Double
    public let step: Double

    /// Over `lookback` before `sighted` (when the ledger first saw the change) until `now`, on the scrape interval's grid.
    public init(queries: GPUQueries, thresholds: ProblemThresholds, node: NodeName, exporter: ExporterKind, code: ProblemCode,
                sighted: Date, now: Date, lookback: TimeInterval) {
        self.queries = queries
        self.thresholds = thresholds
        self.node = node
        self.exporter = exporter
        self.code = code
        step = max(1, queries.scrapeInterval.secondsValue.rounded())
        end = (now.timeIntervalSince1970 / step).rounded(.down) * step
        start = min(end, ((sighted.timeIntervalSince1970 - lookback) / step).rounded(.down) * step)
    }

    /// The problem's signal from each source that defines it for the node; none for a node's status.
    public var promQL: [PromQL] {
        var texts: [String] = []
        if let described = queries.exporters.exporter(exporter),
           let expression = described.problemExpressions(thresholds, in: queries.scope(node, described), rates: queries.counterRate)[code] {
            texts.append(expression)
        }
        let host = queries.exporters.nodeExporter
        if let expression = host.problemExpressions(thresholds, in: queries.nodeExporterScope(.one(node)), rates: queries.counterRate)[code] {
            texts.append(expression)
        }
        return texts.map(PromQL.init(trusted:))
    }

    /// The grid instants at which the problem of `severity` on `gpu` or `sensor` held.
    func instants(_ series: [Series], severity: Severity, gpu: Int?, sensor: String?) -> Set<Double> {
        var held = Set<Double>()
        for entry in series {
            for point in entry.points where point.value.isFinite {
                guard let problem = FleetProblemsQuery.problem(code, labels: entry.labels, reading: point.value, thresholds: thresholds),
                      problem.severity == severity, problem.gpu == gpu, problem.sensor == sensor else { continue }
                held.insert(point.timestamp)
            }
        }
        return held
    }

    /// When the run of instants holding the problem now began; nil when it does not hold now. "Now" allows the last
    /// few instants to be missing: a backend can take a moment to make the newest samples searchable.
    public func opened(_ series: [Series], severity: Severity, gpu: Int?, sensor: String?) -> Date? {
        let held = instants(series, severity: severity, gpu: gpu, sensor: sensor)
        guard let last = held.max(), end - last <= Self.lagging * step else { return nil }
        var first = last
        while first - step >= start, held.contains(first - step) { first -= step }
        return Date(timeIntervalSince1970: first)
    }

    /// How many of the newest instants may be missing from a run that holds now.
    static let lagging = 3.0

    /// The instant after the last one that held the problem; nil when it holds at the grid's end or never held.
    public func closed(_ series: [Series], severity: Severity, gpu: Int?, sensor: String?) -> Date? {
        let held = instants(series, severity: severity, gpu: gpu, sensor: sensor)
        guard let last = held.max(), last < end else { return nil }
        return Date(timeIntervalSince1970: last + step)
    }
}
