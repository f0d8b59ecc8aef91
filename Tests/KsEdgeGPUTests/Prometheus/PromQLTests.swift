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

    static let hostFamilies = NodeExporter().snapshotFamilies.joined(separator: "|")
    static let ownMatchers = #"ks_edge_gpu_source="",mode!~"user|nice|system|iowait|irq|softirq|steal""#

    /// Every selector of the text, each of which must name the node.
    func selectors(_ text: String) -> [String] { text.matches(of: /\{[^}]*\}/).map { String(text[$0.range]) } }

    @Test func nodeSnapshotIsOneRawSelectorOnTheNodeLabel() throws {
        let queries = GPUQueries(nodeLabels: NodeLabels(.standard, common: try #require(LabelName("instance"))), scrapeInterval: .seconds(15))
        let query = queries.snapshot(try #require(NodeName("edge-nx-01"))).promQL
        // Every exporter's families, node-exporter's gauges and counters (CPU time's idle series only), the
        // Pushgateway's push times and the targets' `up`, leaving out the dcgm-compatible rules' recorded series, over the wider of 4 scrape
        // intervals (irate's) and 2 push intervals and a scrape (two pushes).
        let names = "gpu_.*|DCGM_FI_.*|nvidia_smi_.*|\(Self.hostFamilies)|push_time_seconds|up"
        #expect(query.map(\.text) == [#"{\#(Self.ownMatchers),__name__=~"\#(names)",instance="edge-nx-01"}[135s]"#])
        // Prometheus reads samples and evaluates nothing.
        for function in ["timestamp(", "irate(", "increase(", " or ", "label_replace("] { #expect(query.first?.text.contains(function) == false, "\(function)") }
    }

    /// One selector serves every exporter only while own-series matchers leave out nothing but series carrying a label
    /// no exporter's series carry.
    @Test func ownSeriesMatchersOnlyLeaveOutSeriesCarryingALabel() {
        for exporter in ExporterRegistry.standard.exporters {
            #expect(exporter.ownSeries.matchers.allSatisfy { $0.match == .equal && $0.value.isEmpty }, "\(exporter.kind)")
        }
    }

    @Test func configuredNodeLabelIsUsed() throws {
        let queries = GPUQueries(nodeLabels: NodeLabels(.standard, common: try #require(LabelName("node"))))
        let snapshot = queries.snapshot(try #require(NodeName("n1"))).promQL.map(\.text)
        // node-exporter keeps its own label (instance), so its series come in a second query.
        #expect(snapshot.count == 2)
        #expect(snapshot[0] == #"{ks_edge_gpu_source="",__name__=~"gpu_.*|DCGM_FI_.*|nvidia_smi_.*|push_time_seconds|up",node="n1"}[240s]"#)
        #expect(snapshot[1] == #"{mode!~"user|nice|system|iowait|irq|softirq|steal",__name__=~"\#(Self.hostFamilies)|push_time_seconds|up",instance="n1"}[240s]"#)
        #expect(queries.fleet.promQL.count == 4)
        let exporters = queries.fleet.promQL.dropLast().map(\.text)
        #expect(exporters.allSatisfy { $0.contains("max by (node)") })
        // Only node-exporter's gpu zone, the Jetson's temperature where it has none of its own, is aggregated by
        // node-exporter's label, then copied onto the exporter's.
        let zone = #"max by (node) (label_replace(max by (instance) ({__name__="node_thermal_zone_temp",type=~"(?i)gpu(-.*)?"} != -256), "node", "$1", "instance", "(.+)"))"#
        #expect(exporters.filter { $0.contains(zone) }.count == 1)
        #expect(exporters.allSatisfy { !$0.replacingOccurrences(of: zone, with: "").contains("by (instance") })
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
        #expect(texts[0].hasPrefix(#"{ks_edge_gpu_source="",__name__=~"DCGM_FI_.*|push_time_seconds|up",Hostname="n1"}["#))
        #expect(texts[1].hasPrefix(#"{mode!~"user|nice|system|iowait|irq|softirq|steal",__name__=~"gpu_.*|nvidia_smi_.*|\#(Self.hostFamilies)|push_time_seconds|up",instance="n1"}["#))
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
