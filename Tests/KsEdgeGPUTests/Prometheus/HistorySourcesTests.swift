import Foundation
import Testing
@testable import KsEdgeGPU

/// How a history answer is read back: sources, precedence and nodes.
@Suite struct HistorySourcesTests {
    let range = HistoryQuery.Range(start: 100, end: 120, step: 10)

    func series(_ tag: String, node: String, _ values: [Double], labels: [String: String] = [:]) -> Series {
        Series(labels: labels.merging(["instance": node, "ks_family": tag]) { a, _ in a },
               points: values.enumerated().map { .init(timestamp: 100 + Double($0.offset) * 10, value: $0.element) })
    }

    /// node-exporter runs on every node; only the nodes a GPU exporter describes are in a fleet history.
    @Test func nodesWithoutAGPUExporterAreLeftOut() throws {
        let query = GPUQueries().history(of: nil, metrics: [.gpuUtilization, .memoryUtilization])
        let byNode = query.decodeByNode([
            series("gpu_utilization:jetson", node: "edge-1", [10, 20, 30]),
            series("memory_utilization:node-exporter", node: "edge-1", [40, 41, 42]),
            series("memory_utilization:node-exporter", node: "cpu-only", [50, 51, 52]),
        ], over: range)
        #expect(Array(byNode.keys) == ["edge-1"])
        #expect(byNode["edge-1"]?.map(\.metric) == [.gpuUtilization, .memoryUtilization])
    }

    /// Where node-exporter and the exporter both measure RAM, node-exporter's series is kept, whatever the order of
    /// Prometheus' answer.
    @Test(arguments: [false, true])
    func nodeExportersRAMWinsOverTheExporters(reversed: Bool) throws {
        let query = GPUQueries().history(try #require(NodeName("edge-1")), metrics: [.memoryUtilization])
        let answer = [
            series("memory_utilization:jetson", node: "edge-1", [10, 11, 12], labels: ["ram": "used"]),
            series("memory_utilization:node-exporter", node: "edge-1", [40, 41, 42]),
        ]
        let decoded = query.decode(reversed ? answer.reversed() : answer, over: range)
        #expect(decoded.count == 1)
        #expect(decoded.first?.points.map(\.value) == [40, 41, 42])
        #expect(decoded.first?.unit == "percent" && decoded.first?.labels == [:])
    }

    /// Where node-exporter counts a node's CPU time, its cores are the history's only cores, numbered from 1 as in the
    /// snapshot (`cpu="0"` is core 1): the collector's cores, fewer or more, are left out, whatever the answer's order.
    @Test(arguments: [false, true])
    func nodeExportersCoresAreTheOnlyCores(reversed: Bool) throws {
        let query = GPUQueries().history(try #require(NodeName("edge-1")), metrics: [.cpuUtilization])
        #expect(query.promQL.text.contains(#"100 * clamp(1 - ((irate({instance="edge-1",__name__="node_cpu_seconds_total",mode="idle"}"#))
        let collector = (1...8).map { series("cpu_utilization:jetson", node: "edge-1", [10, 10, 10], labels: ["core": String($0)]) }
        let host = (0..<12).map { series("cpu_utilization:node-exporter", node: "edge-1", [Double($0), Double($0), Double($0)],
                                         labels: ["cpu": String($0), "mode": "idle", "job": "node-exporter"]) }
        let answer = collector + host
        let decoded = query.decode(reversed ? answer.reversed() : answer, over: range)
        #expect(decoded.map(\.labels) == (1...12).map { ["core": String($0)] })
        #expect(decoded.map { $0.points.first?.value } == (0..<12).map { Double($0) })
        // Without node-exporter's, the collector's stay.
        #expect(query.decode(collector, over: range).map(\.labels) == (1...8).map { ["core": String($0)] })
    }

    /// The network metric: one series per direction, in bytes per second.
    @Test func networkHasOneSeriesPerDirection() throws {
        let query = GPUQueries().history(try #require(NodeName("edge-1")), metrics: [.network])
        #expect(query.promQL.text.contains(#""direction", "receive""#) && query.promQL.text.contains(#""direction", "transmit""#))
        let decoded = query.decode([
            series("network:node-exporter", node: "edge-1", [1, 2, 3], labels: ["direction": "transmit"]),
            series("network:node-exporter", node: "edge-1", [4, 5, 6], labels: ["direction": "receive"]),
        ], over: range)
        #expect(decoded.map(\.labels) == [["direction": "receive"], ["direction": "transmit"]])
        #expect(decoded.allSatisfy { $0.unit == "bytes_per_second" })
    }

    /// A node that stopped pushing: the Pushgateway serves its last values for ever, so Prometheus repeats them; steps
    /// more than 3 push intervals after the last push are gaps, not current values.
    @Test func pushedValuesEndThreePushIntervalsAfterTheLastPush() throws {
        let queries = GPUQueries(pushInterval: .seconds(5))
        let query = queries.history(try #require(NodeName("edge-1")), metrics: [.gpuUtilization])
        #expect(query.promQL.text.contains(#"push_time_seconds"} and on (instance, job)"#))
        let wide = HistoryQuery.Range(start: 100, end: 150, step: 10)
        let pushes = Series(labels: ["instance": "edge-1", "ks_family": "ks_pushed_at:jetson"],
                            points: [100, 110, 120, 130, 140, 150].map { .init(timestamp: $0, value: min($0, 110)) })
        let decoded = query.decode([series("gpu_utilization:jetson", node: "edge-1", [7, 7, 7, 7, 7, 7]), pushes], over: wide)
        // Last push at 110: current until 125.
        #expect(decoded.first?.points.map(\.value) == [7, 7, 7, nil, nil, nil])
        // A scraped node (no push times) keeps every value.
        #expect(query.decode([series("gpu_utilization:jetson", node: "edge-1", [7, 7, 7, 7, 7, 7])], over: wide).first?.points.map(\.value)
                == [7, 7, 7, 7, 7, 7])
    }
}
