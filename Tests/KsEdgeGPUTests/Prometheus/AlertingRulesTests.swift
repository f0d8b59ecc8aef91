import Foundation
import Testing
@testable import KsEdgeGPU

/// `ks-edge-gpu rules --alerts`: shipped as generated in its three forms, an alert per problem and severity the API
/// reports at warning or critical, each labelled with its code.
@Suite struct AlertingRulesTests {
    let rules = AlertingRules(queries: ServeConfiguration().queries)

    @Test func theShippedFilesAreTheGeneratedOnes() throws {
        #expect(try FleetRecordingRulesTests.shipped("ks-edge-gpu-alerts.rules.yml") == rules.ruleFile(),
                "regenerate with: ks-edge-gpu rules --alerts > deploy/prometheus/ks-edge-gpu-alerts.rules.yml")
        #expect(try FleetRecordingRulesTests.shipped("ks-edge-gpu-alerts-rules.yaml") == rules.prometheusRule(namespace: "kubesphere-monitoring-system", interval: "1m"),
                "regenerate with: ks-edge-gpu rules --alerts --format prometheus-rule > deploy/prometheus/ks-edge-gpu-alerts-rules.yaml")
        #expect(try FleetRecordingRulesTests.shipped("ks-edge-gpu-alerts-clusterrulegroup.yaml") == rules.clusterRuleGroup(interval: "1m"),
                "regenerate with: ks-edge-gpu rules --alerts --format cluster-rule-group > deploy/prometheus/ks-edge-gpu-alerts-clusterrulegroup.yaml")
    }

    @Test func anAlertPerProblemAndSeverityButInfoAndStatus() {
        let made = rules.rules.map { "\($0.labels.first { $0.0 == "code" }?.1 ?? "?") \($0.alert?.severity ?? "?")" }
        #expect(made == [
            "gpu_hot warning", "gpu_hot critical", "board_hot warning", "board_hot critical", "thermal_throttling warning",
            "power_brake warning", "xid_error critical", "ecc_uncorrectable critical", "row_remap_failure critical",
            "gpu_reset_needed critical", "memory_pressure warning", "disk_filling warning", "disk_filling critical",
        ])
        #expect(rules.rules.allSatisfy { $0.record.hasPrefix("KsEdgeGPU") && $0.expression.contains(#""node", "$1""#) })
        #expect(AlertingRules.alertName(.xidError) == "KsEdgeGPUXidError")
        // Heat and throttling wait before they page; errors the driver reports do not.
        #expect(rules.rules.first { $0.record == "KsEdgeGPUThermalThrottling" }?.alert?.holding == "5m")
        #expect(rules.rules.first { $0.record == "KsEdgeGPUXidError" }?.alert?.holding == nil)
    }

    /// The temperatures are the settings': the same as the snapshot and the fleet use.
    @Test func thresholdsFollowTheSettings() {
        let hotter = AlertingRules(queries: ServeConfiguration().queries,
                                   thresholds: .init(gpuHot: .init(warning: 80, critical: 90), boardHot: .init(warning: 95, critical: 105)))
        let text = hotter.ruleFile()
        #expect(text.contains(">= 80.0") && text.contains(">= 90.0") && text.contains(">= 95.0") && text.contains(">= 105.0"))
        #expect(!text.contains(">= 85.0"))
    }
}
