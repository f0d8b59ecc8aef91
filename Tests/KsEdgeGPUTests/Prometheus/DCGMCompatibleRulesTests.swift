import Foundation
import Testing
@testable import KsEdgeGPU

/// The rules that record dcgm-exporter's families for the other exporters' GPUs: shipped as generated, one rule per
/// family and exporter, and never read back by ks-edge-gpu as dcgm-exporter's own series.
@Suite struct DCGMCompatibleRulesTests {
    let rules = DCGMCompatibleRules(queries: ServeConfiguration().queries)

    @Test func theShippedFilesAreTheGeneratedOnes() throws {
        #expect(try FleetRecordingRulesTests.shipped("dcgm-compat.rules.yml") == rules.ruleFile(),
                "regenerate with: ks-edge-gpu rules --dcgm-compat > deploy/prometheus/dcgm-compat.rules.yml")
        #expect(try FleetRecordingRulesTests.shipped("dcgm-compat-rules.yaml") == rules.prometheusRule(namespace: "kubesphere-monitoring-system", interval: "1m"),
                "regenerate with: ks-edge-gpu rules --dcgm-compat --format prometheus-rule > deploy/prometheus/dcgm-compat-rules.yaml")
        let text = try FleetRecordingRulesTests.shipped("dcgm-compat-rules.yaml")
        #expect(text.contains("prometheus: k8s") && text.contains("role: alert-rules"))
    }

    /// Utilisation, temperature and power for both other exporters; framebuffer memory only where the exporter
    /// reports GPU memory in use (both do: nvidia_gpu_exporter, and the Orin Nano variant's shared RAM).
    @Test func everyFamilyForEveryOtherExporter() {
        let text = rules.ruleFile()
        for source in ["jetson", "nvidia-smi"] {
            #expect(text.components(separatedBy: "ks_edge_gpu_source: \(source)\n").count - 1 == 5, "\(source)")
        }
        #expect(!text.contains("ks_edge_gpu_source: dcgm"))
        let families = ["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE"]
        #expect(rules.records == families + families)
        // Nodes with dcgm-exporter's own series get none.
        #expect(text.components(separatedBy: #"unless on (instance) label_replace(group by (instance) ({ks_edge_gpu_source="",__name__="DCGM_FI_DEV_GPU_TEMP"})"#).count - 1 == 10)
    }

    /// Every selector ks-edge-gpu sends for dcgm-exporter's names leaves the recorded series out, so a Jetson's
    /// recorded DCGM_FI_* series never make it look like a dcgm-exporter node; the other exporters' selectors stay
    /// plain.
    @Test func ksEdgeGPUNeverReadsTheRecordedSeries() throws {
        let queries = GPUQueries()
        let node = try #require(NodeName("edge-1"))
        let texts = queries.snapshot(node).promQL.map(\.text) + [queries.history(node, metrics: HistoryMetric.allCases).promQL.text,
                                                               queries.inventory.promQL.text] + queries.fleet.promQL.map(\.text)
        for text in texts {
            for selector in text.matches(of: /\{[^}]*DCGM_FI_[^}]*\}/) {
                #expect(text[selector.range].contains(#"ks_edge_gpu_source="""#), "\(text[selector.range])")
            }
            // The push times beside dcgm-exporter's counters share their scope's matcher, which every push time meets.
            for selector in text.matches(of: /\{[^}]*(__name__=~?"(gpu_|nvidia_smi_|push_time)|[^_]gpu_)[^}]*\}/)
            where !text[selector.range].contains("DCGM_FI_") && !text[selector.range].contains(#"ks_edge_gpu_source="",instance="edge-1",__name__="push_time_seconds""#) {
                #expect(!text[selector.range].contains("ks_edge_gpu_source"), "\(text[selector.range])")
            }
        }
    }
}
