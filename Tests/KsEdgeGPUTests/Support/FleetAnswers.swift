import Foundation
@testable import KsEdgeGPU

/// The fleet query's answer as Prometheus gives it (one tagged series per node and column), for router tests.
enum FleetAnswers {
    struct Row {
        var node: String
        var exporter: ExporterKind = .jetson
        var utilization: Double?
        var temperature: Double?
        var power: Double?
        var model: String?
        var seen: Double?
        /// node-exporter's percent of RAM in use.
        var memory: Double?
        /// The time of the node's last push, for a node behind a Pushgateway.
        var pushed: Double?
        /// The GPUs with a load reading, and their memory used and installed, summed.
        var gpuCount: Int?
        var gpuMemoryUsed: Double?
        var gpuMemoryTotal: Double?
    }

    /// Makes `source` answer each exporter's fleet query with that exporter's rows, and node-exporter's with theirs.
    static func install(_ rows: [Row], into source: FakeMetricsSource, at time: Double = Date().timeIntervalSince1970) {
        let queries = GPUQueries().fleet.promQL
        for (exporter, query) in zip(ExporterRegistry.standard.exporters.map(\.kind), queries) {
            source.answer(query, with: series(rows.filter { $0.exporter == exporter }, at: time))
        }
        source.answer(queries[ExporterRegistry.standard.exporters.count], with: rows.compactMap { row in
            row.memory.map { Series(labels: ["instance": row.node, "ks_family": FleetQuery.hostMemory], points: [.init(timestamp: time, value: $0)]) }
        })
    }

    static func series(_ rows: [Row], at time: Double = Date().timeIntervalSince1970) -> [Series] {
        rows.flatMap { row -> [Series] in
            func entry(_ column: FleetColumn, _ value: Double?, extra: [String: String] = [:]) -> Series? {
                value.map { value in
                    Series(labels: extra.merging(["instance": row.node, "ks_family": FamilyTag.tag(FleetQuery.prefix + column.rawValue, row.exporter)]) { a, _ in a },
                           points: [.init(timestamp: time, value: value)])
                }
            }
            let modelLabel = ExporterRegistry.standard.exporter(row.exporter)!.modelLabel.label
            // The seen column carries the model and, for a pushed node, its last push (pushed="true").
            var seenLabels = row.model.map { [modelLabel: $0] } ?? [:]
            if row.pushed != nil { seenLabels[FleetQuery.pushedLabel] = "true" }
            return [
                entry(.utilization, row.utilization), entry(.temperature, row.temperature), entry(.power, row.power),
                entry(.seen, row.pushed ?? row.seen ?? time, extra: seenLabels),
                entry(.gpuCount, row.gpuCount.map(Double.init)), entry(.gpuMemoryUsed, row.gpuMemoryUsed), entry(.gpuMemoryTotal, row.gpuMemoryTotal),
            ].compactMap { $0 }
        }
    }

    /// `tagged` (the fleet query's answer) as Prometheus records it by `rules`: each series under its rule's name with
    /// its source label, and the rules' marker of `revision` (none when nil).
    static func recorded(_ tagged: [Series], by rules: FleetRecordingRules, revision: String?,
                         at time: Double = Date().timeIntervalSince1970) -> [Series] {
        let records = Dictionary(uniqueKeysWithValues: rules.clauses.map { ($0.tag, $0) })
        let marker = revision.map { Series(labels: ["__name__": FleetRecordingRules.marker, "revision": $0], points: [.init(timestamp: time, value: 1)]) }
        return [marker].compactMap { $0 } + tagged.map { series in
            var labels = series.labels
            let clause = records[labels.removeValue(forKey: FamilyTag.label)!]!
            labels["__name__"] = clause.record
            labels["exporter"] = clause.source.rawValue
            return Series(labels: labels, points: series.points)
        }
    }
}
