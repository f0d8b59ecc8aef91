import Foundation
import Testing
@testable import KsEdgeGPU

/// The fleet's recording rules: the shipped files are what `ks-edge-gpu rules` prints, recorded series decode to the
/// rows the aggregation gives, and rules of another configuration are never read.
@Suite struct FleetRecordingRulesTests {
    let rules = FleetRecordingRules(queries: ServeConfiguration().queries)
    let now = Date().timeIntervalSince1970

    static func shipped(_ name: String) throws -> String {
        try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("deploy/prometheus/\(name)"), encoding: .utf8)
    }

    @Test func theShippedFilesAreTheGeneratedOnes() throws {
        #expect(try Self.shipped("ks-edge-gpu.rules.yml") == rules.ruleFile(),
                "regenerate with: ks-edge-gpu rules > deploy/prometheus/ks-edge-gpu.rules.yml")
        #expect(try Self.shipped("ks-edge-gpu-rules.yaml") == rules.prometheusRule(namespace: "kubesphere-monitoring-system", interval: "1m"),
                "regenerate with: ks-edge-gpu rules --format prometheus-rule > deploy/prometheus/ks-edge-gpu-rules.yaml")
    }

    /// Rules are evaluated in order, each result stored as it is made: the marker comes after every column, so a
    /// refresh that finds it finds the columns of the same evaluation.
    @Test func theMarkerIsEvaluatedLast() {
        for file in [rules.ruleFile(), rules.prometheusRule(namespace: "kubesphere-monitoring-system", interval: "1m")] {
            let records = file.split(separator: "\n").compactMap { line in
                line.trimmingCharacters(in: .whitespaces).hasPrefix("- record: ") ? line.split(separator: " ").last.map(String.init) : nil
            }
            #expect(records.count == rules.clauses.count + 1)
            #expect(records.last == FleetRecordingRules.marker)
        }
    }

    /// `level:metric:operations`, one rule per column and source, each clause of the fleet query recorded once.
    @Test func everyClauseIsOneRuleNamedByConvention() {
        let clauses = rules.clauses
        #expect(clauses.count == GPUQueries().fleet.clauseGroups.joined().count)
        #expect(clauses.allSatisfy { $0.record.wholeMatch(of: /node:ks_edge_gpu_fleet_[a-z_]+:(avg|max|sum|count)/) != nil })
        #expect(Set(clauses.map { "\($0.record) \($0.source.rawValue)" }).count == clauses.count)
        #expect(Set(clauses.map(\.source)) == Set(ExporterKind.allCases.map(DataSource.init) + [.nodeExporter]))
    }

    /// Another node label is another rule set: its revision differs, so its rules are not read as this one's.
    @Test func theRevisionFollowsTheConfiguration() {
        var dcgmByHostname = ServeConfiguration()
        dcgmByHostname.exporterNodeLabels[.dcgm] = LabelName("Hostname")
        let other = FleetRecordingRules(queries: dcgmByHostname.queries)
        #expect(other.revision != rules.revision)
        #expect(FleetRecordingRules(queries: ServeConfiguration().queries).revision == rules.revision)
        #expect(rules.revision.count == 16)
    }

    func recorded(_ tagged: [Series], revision: String?) -> [Series] {
        FleetAnswers.recorded(tagged, by: rules, revision: revision, at: now)
    }

    @Test func recordedSeriesDecodeToTheAggregationsRows() throws {
        let rows: [FleetAnswers.Row] = [
            .init(node: "edge-a", utilization: 76.3, temperature: 54.281, power: 12.207, model: "NVIDIA Jetson AGX Orin (64GB ram)", memory: 40),
            .init(node: "gpu-c", exporter: .dcgm, utilization: 43.5, temperature: 61, power: 258.48, model: "NVIDIA A100 80GB PCIe"),
            .init(node: "gpu-d", exporter: .nvidiaSMI, utilization: 9, pushed: now - 5),
        ]
        let tagged = FleetAnswers.series(rows, at: now) + rows.compactMap { row in
            row.memory.map { Series(labels: ["instance": row.node, FamilyTag.label: FleetQuery.hostMemory], points: [.init(timestamp: now, value: $0)]) }
        }
        let query = GPUQueries().fleet
        guard case .recorded(let decoded) = rules.decode(recorded(tagged, revision: rules.revision)) else {
            Issue.record("this revision's marker was not recognised")
            return
        }
        let sorted = { (rows: [FleetQuery.Row]) in rows.sorted { $0.node < $1.node } }
        #expect(sorted(decoded) == sorted(query.decode(tagged)))
        #expect(decoded.count == 3)
    }

    @Test func withoutThisRevisionsMarkerNothingIsRead() {
        let tagged = FleetAnswers.series([.init(node: "edge-a", utilization: 1)], at: now)
        #expect(rules.decode(recorded(tagged, revision: nil)) == .absent)
        #expect(rules.decode(recorded(tagged, revision: "0123456789abcdef")) == .otherRevision("0123456789abcdef"))
        #expect(rules.decode([]) == .absent)
    }

    /// The read is one selector of exact names, the marker's among them.
    @Test func theReadIsOneSelectorOfTheRulesNames() {
        let text = rules.read.text
        #expect(text.hasPrefix("{__name__=~\"") && text.hasSuffix("\"}"))
        for name in Array(Set(rules.clauses.map(\.record))) + [FleetRecordingRules.marker] {
            #expect(text.contains(name))
        }
    }
}
