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

    /// Per node, its problems, given each node's exporter (nodes without one are left out: node-exporter alone
    /// describes no GPU node). Problems that cannot concern the node are dropped, and one reading is one problem
    /// (a MIG instance repeats its GPU's, a thermal zone the collector's sensor of the same name).
    public func decode(_ answer: [Series], exporters nodeExporters: [String: ExporterKind]) -> [String: [Problem]] {
        var found: [String: [ProblemKey: Problem]] = [:]
        for series in answer {
            guard let tag = series.labels[FamilyTag.label], let (name, source) = FamilyTag.parse(tag), name.hasPrefix(Self.prefix),
                  let code = ProblemCode(rawValue: String(name.dropFirst(Self.prefix.count))) else { continue }
            let label = source == .nodeExporter ? queries.nodeLabels.nodeExporter : queries.exporters.exporter(source).map { queries.nodeLabels[$0] }
            guard let label, let node = series.labels[label.rawValue], let kind = nodeExporters[node],
                  let exporter = queries.exporters.exporter(kind), Problems.applies(code, integrated: exporter.isIntegrated),
                  let reading = series.latest?.value, reading.isFinite else { continue }
            // A problem belongs to the exporter that describes the node, or to node-exporter.
            guard source == .nodeExporter || source == DataSource(kind) else { continue }
            guard let problem = Self.problem(code, labels: series.labels, reading: reading, thresholds: thresholds) else { continue }
            let key = ProblemKey(code: code, gpu: problem.gpu, sensor: problem.sensor, value: code == .xidError ? problem.value : nil)
            if let kept = found[node]?[key], kept.severity >= problem.severity { continue }
            found[node, default: [:]][key] = problem
        }
        return found.mapValues { Array($0.values) }
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
