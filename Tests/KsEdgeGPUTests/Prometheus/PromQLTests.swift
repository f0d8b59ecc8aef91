import Foundation
import Testing
@testable import KsEdgeGPU

@Suite struct PromQLTests {
    @Test(arguments: [
        ("edge-nx-01", true), ("a", true), ("node.example.com", true), ("a-b.c-d", true), ("0node", true),
        ("", false), ("Edge", false), ("-edge", false), ("edge-", false), ("a..b", false), (".a", false),
        ("a_b", false), ("a b", false), ("a\"}", false), ("ünicode", false), (String(repeating: "a", count: 254), false),
        (String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63), true),
    ])
    func nodeNamesFollowDNS1123Subdomain(name: String, valid: Bool) {
        #expect(NodeName.isValid(name) == valid)
        #expect((NodeName(name) != nil) == valid)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        (#"a"b"#, #""a\"b""#),
        (#"back\slash"#, #""back\\slash""#),
        ("new\nline", #""new\nline""#),
        ("\u{1}", #""\x01""#),
        (#"x"}) or vector(1) #"#, #""x\"}) or vector(1) #""#),
    ])
    func labelValuesAreQuotedAndEscaped(value: String, quoted: String) {
        #expect(Selector.quote(value) == quoted)
    }

    /// Whatever the value, the quoted literal is one string: it ends at its last character only.
    @Test func noValueCanEndTheStringLiteralEarly() {
        let hostile = ["\"", "\\", "\\\"", "\"}", "a\\", "\u{7F}", "\"\n\"", String(repeating: "\\\"", count: 50)]
        for value in hostile {
            let quoted = Selector.quote(value)
            var escaped = false
            for (offset, character) in quoted.dropFirst().enumerated() {
                if escaped { escaped = false; continue }
                if character == "\\" { escaped = true; continue }
                if character == "\"" { #expect(offset == quoted.count - 2, "literal for \(value.debugDescription) ends early") }
            }
        }
    }

    static let hostFamilies = NodeExporter().families.joined(separator: "|")

    /// Every selector of the text, each of which must name the node.
    func selectors(_ text: String) -> [String] { text.matches(of: /\{[^}]*\}/).map { String(text[$0.range]) } }

    @Test func nodeSnapshotIsOneQueryOnTheNodeLabel() throws {
        let queries = GPUQueries(nodeLabels: NodeLabels(.standard, common: try #require(LabelName("instance"))), scrapeInterval: .seconds(15))
        let query = queries.snapshot(try #require(NodeName("edge-nx-01"))).promQL
        #expect(query.count == 1)
        let text = try #require(query.first?.text)
        // The GPU families and node-exporter's gauges in one selector, then the tagged scrape time, push time and rates.
        // dcgm-exporter's names in a selector of their own, leaving out the dcgm-compatible rules' recorded series.
        #expect(text.hasPrefix(#"{__name__=~"gpu_.*|nvidia_smi_.*|\#(Self.hostFamilies)",instance="edge-nx-01"} or {ks_edge_gpu_source="",__name__=~"DCGM_FI_.*",instance="edge-nx-01"} or "#))
        let heartbeat = #"{__name__=~"gpu_usage_gpu|nvidia_smi_temperature_gpu",instance="edge-nx-01"}"#
        let dcgmHeartbeat = #"{ks_edge_gpu_source="",__name__=~"DCGM_FI_DEV_GPU_TEMP",instance="edge-nx-01"}"#
        #expect(text.contains(#"label_replace(max(timestamp(\#(heartbeat)) or timestamp(\#(dcgmHeartbeat))), "ks_family", "ks_observed_at", "", "")"#))
        #expect(text.contains(#"push_time_seconds"} and on (instance, job) group by (instance, job) (\#(heartbeat) or \#(dcgmHeartbeat))), "ks_family", "ks_pushed_at""#))
        // Counters: irate for scraped series; for pushed ones, the increase over 2 push intervals and a scrape divided
        // by the push times' increase over the same window.
        let idle = #"{instance="edge-nx-01",__name__="node_cpu_seconds_total",mode="idle"}"#
        let pushTimes = #"{instance="edge-nx-01",__name__="push_time_seconds"}"#
        #expect(text.contains(#"irate(\#(idle)[60s]) unless on (instance, job) \#(pushTimes)"#))
        #expect(text.contains(#"increase(\#(idle)[135s]) / on (instance, job) group_left () (max by (instance, job) (increase(\#(pushTimes)[135s])) > 0)"#))
        #expect(text.contains(#"label_replace(\#(idle), "ks_family", "node_cpu_seconds_total", "", "")"#))
        // dcgm-exporter's thermal violation counter as a rate, the same way.
        let violation = #"{ks_edge_gpu_source="",instance="edge-nx-01",__name__="DCGM_FI_DEV_THERMAL_VIOLATION"}"#
        #expect(text.contains(#"irate(\#(violation)[60s])"#))
        #expect(text.contains(#""ks_family", "DCGM_FI_DEV_THERMAL_VIOLATION:percent""#))
        #expect(selectors(text).count == 24)
        #expect(selectors(text).allSatisfy { $0.contains(#"instance="edge-nx-01""#) })
    }

    @Test func configuredNodeLabelIsUsed() throws {
        let queries = GPUQueries(nodeLabels: NodeLabels(.standard, common: try #require(LabelName("node"))))
        let snapshot = queries.snapshot(try #require(NodeName("n1"))).promQL.map(\.text)
        // node-exporter keeps its own label (instance), so its series come in a second query.
        #expect(snapshot.count == 2)
        #expect(snapshot[0].hasPrefix(#"{__name__=~"gpu_.*|nvidia_smi_.*",node="n1"} or {ks_edge_gpu_source="",__name__=~"DCGM_FI_.*",node="n1"} or "#))
        #expect(snapshot[1].hasPrefix(#"{__name__=~"\#(Self.hostFamilies)",instance="n1"} or "#))
        #expect(queries.fleet.promQL.count == 4)
        #expect(queries.fleet.promQL.dropLast().allSatisfy { $0.text.contains("max by (node)") && !$0.text.contains("by (instance") })
        #expect(queries.fleet.promQL.last?.text.contains("max by (instance)") == true)
    }

    @Test func nodeExporterLabelIsConfiguredOnItsOwn() throws {
        let label = try #require(LabelName("kubernetes_node"))
        let queries = GPUQueries(nodeLabels: NodeLabels(.standard, nodeExporter: label))
        let texts = queries.snapshot(try #require(NodeName("n1"))).promQL.map(\.text)
        #expect(texts.count == 2)
        #expect(selectors(texts[1]).allSatisfy { $0.contains(#"kubernetes_node="n1""#) })
        #expect(!texts[0].contains("node_memory"))
    }

    @Test func exportersWithTheirOwnNodeLabelGetTheirOwnSelector() throws {
        let queries = GPUQueries(nodeLabels: NodeLabels(.standard, overrides: [.dcgm: try #require(LabelName("Hostname"))]))
        let texts = queries.snapshot(try #require(NodeName("n1"))).promQL.map(\.text)
        #expect(texts.count == 2)
        #expect(texts[0].hasPrefix(#"{ks_edge_gpu_source="",__name__=~"DCGM_FI_.*",Hostname="n1"} or "#))
        #expect(texts[1].hasPrefix(#"{__name__=~"gpu_.*|nvidia_smi_.*|\#(Self.hostFamilies)",instance="n1"} or "#))
        #expect(queries.fleet.promQL[1].text.contains("max by (Hostname)"))
        #expect(queries.fleet.promQL[0].text.contains("max by (instance)"))
    }

    @Test(arguments: ["instance", "Hostname", "_x", "node_name2"])
    func validLabelNames(name: String) { #expect(LabelName(name) != nil) }

    @Test(arguments: ["", "2x", "a-b", "a b", "a\"", "x}"])
    func invalidLabelNames(name: String) { #expect(LabelName(name) == nil) }

    @Test func formBodiesPercentEncodeEverythingButUnreserved() {
        #expect(FormEncoding.escape(#"{__name__=~"gpu_.*"} & x+y"#) == "%7B__name__%3D~%22gpu_.%2A%22%7D%20%26%20x%2By")
    }
}
