import Foundation

/// Where each problem trips across the whole fleet: each exporter's and node-exporter's problem expressions, tagged
/// `problem_<code>:<source>`, one query per source (a constant number, whatever the fleet size). Prometheus returns
/// only the series that trip, so the answer is as small as the fleet is healthy. They are the signals the snapshot
/// reads, and `Problems.problem` turns each into the same problem, so the fleet and the node view agree.
public struct FleetProblemsQuery: Sendable {
    let queries: GPUQueries
    let thresholds: ProblemThresholds

    static let prefix = "problem_"

    public var promQL: [PromQL] {
        var groups = queries.exporters.exporters.map { exporter in
            (DataSource(exporter.kind), exporter.problemExpressions(thresholds, in: queries.fleetScope(exporter), rates: queries.counterRate))
        }
        groups.append((.nodeExporter, queries.exporters.nodeExporter.problemExpressions(thresholds, in: queries.nodeExporterScope(.every), rates: queries.counterRate)))
        return groups.filter { !$0.1.isEmpty }.map { source, expressions in
            let clauses = expressions.sorted { $0.key.order < $1.key.order }.map { code, expression in
                FamilyTag.tag("(\(expression))", as: FamilyTag.tag(Self.prefix + code.rawValue, source))
            }
            return PromQL(trusted: clauses.joined(separator: " or "))
        }
    }

    /// An empty fold of this query's answers, given each node's exporter (nodes without one are left out: node-exporter
    /// alone describes no GPU node).
    public func folding(exporters nodeExporters: [String: ExporterKind]) -> Fold {
        Fold(query: self, exporters: nodeExporters)
    }

    /// The answers folded into problems as Prometheus' answer is parsed: a fleet with many problems is never held as
    /// series (their label dictionaries) beside the index being made. Problems that cannot concern the node are
    /// dropped, and one reading is one problem (a MIG instance repeats its GPU's, a thermal zone the collector's
    /// sensor of the same name).
    public struct Fold: SeriesFold {
        let query: FleetProblemsQuery
        let exporters: [String: ExporterKind]
        private var found: [String: [ProblemKey: Problem]] = [:]

        init(query: FleetProblemsQuery, exporters: [String: ExporterKind]) {
            self.query = query
            self.exporters = exporters
        }

        public mutating func add(_ series: Series) {
            let queries = query.queries
            guard let tag = series.labels[FamilyTag.label], let (name, source) = FamilyTag.parse(tag), name.hasPrefix(FleetProblemsQuery.prefix),
                  let code = ProblemCode(rawValue: String(name.dropFirst(FleetProblemsQuery.prefix.count))) else { return }
            let label = source == .nodeExporter ? queries.nodeLabels.nodeExporter : queries.exporters.exporter(source).map { queries.nodeLabels[$0] }
            guard let label, let node = series.labels[label.rawValue], let kind = exporters[node],
                  let exporter = queries.exporters.exporter(kind), Problems.applies(code, integrated: exporter.isIntegrated),
                  let reading = series.latest?.value, reading.isFinite else { return }
            // A problem belongs to the exporter that describes the node, or to node-exporter.
            guard source == .nodeExporter || source == DataSource(kind) else { return }
            guard let problem = FleetProblemsQuery.problem(code, labels: series.labels, reading: reading, thresholds: query.thresholds) else { return }
            keep(problem, node: node)
        }

        /// `other`'s problems too (another query's answer of the same refresh).
        public mutating func merge(_ other: Fold) {
            for (node, problems) in other.found {
                for problem in problems.values { keep(problem, node: node) }
            }
        }

        /// The most severe reading of each problem.
        private mutating func keep(_ problem: Problem, node: String) {
            let key = ProblemKey(code: problem.code, gpu: problem.gpu, sensor: problem.sensor, value: problem.code == .xidError ? problem.value : nil)
            if let kept = found[node]?[key], kept.severity >= problem.severity { return }
            found[node, default: [:]][key] = problem
        }

        /// Per node, its problems.
        public var problems: [String: [Problem]] { found.mapValues { Array($0.values) } }
    }

    /// The problem a series of a problem expression reads as at one instant: its GPU (`gpu`), sensor (`sensor`, or a
    /// thermal zone's `type`), XID (`xid`) and message (`err_msg`) from its labels, severity and message from
    /// `Problems.problem`; nil where the reading is none.
    static func problem(_ code: ProblemCode, labels: [String: String], reading: Double, thresholds: ProblemThresholds) -> Problem? {
        let gpu = labels["gpu"].flatMap { Int($0) }
        let sensor = labels["sensor"] ?? labels["type"].map { NodeExporter.sensorName(zoneType: $0) }
        let value = code == .xidError ? labels["xid"].flatMap(Double.init) ?? reading : reading
        let detail = labels["err_msg"].flatMap { $0.isEmpty ? nil : $0 }
        return Problems.problem(code, value: value, gpu: gpu, sensor: sensor, detail: detail, thresholds: thresholds)
    }

    /// One problem per code and GPU or sensor (and per XID: two XIDs on one GPU are two problems).
    struct ProblemKey: Hashable {
        let code: ProblemCode
        let gpu: Int?
        let sensor: String?
        let value: Double?
    }
}
