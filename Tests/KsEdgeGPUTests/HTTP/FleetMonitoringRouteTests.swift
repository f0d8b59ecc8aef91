import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

/// `nodes/metrics` and `cluster/metrics`: every node from one range query, ordered, paged and summed.
@Suite struct FleetMonitoringRouteTests {
    static let base = "/kapis/gpu.edge.kubesphere.io/v1alpha1"

    /// One range answer for three dcgm nodes: node-a two GPUs at 10% and 30%, node-b one at 90%, node-c one unknown.
    func source() -> FakeMetricsSource {
        let source = FakeMetricsSource()
        func series(_ node: String, _ gpu: String, _ value: Double, metric: String = "gpu_utilization") -> Series {
            Series(labels: ["ks_family": "\(metric):dcgm", "instance": node, "gpu": gpu], points: [.init(timestamp: 1000, value: value)])
        }
        source.answerRanges(with: [
            series("node-a", "0", 10), series("node-a", "1", 30), series("node-b", "0", 90),
            series("node-c", "0", 55, metric: "gpu_temperature"),
            series("node-a", "0", 2_000, metric: "gpu_memory_used"), series("node-a", "0", 8_000, metric: "gpu_memory_total"),
            series("node-b", "0", 6_000, metric: "gpu_memory_used"), series("node-b", "0", 8_000, metric: "gpu_memory_total"),
        ])
        return source
    }

    func get(_ client: any TestClientProtocol, _ query: String) async throws -> MonitoringResults {
        let (status, body, error) = try await client.get(query, as: MonitoringResults.self)
        #expect(status == .ok, "\(error?.error.message ?? "")")
        return try #require(body)
    }

    @Test func nodesAreOrderedByTheSortMetricAndPaged() async throws {
        try await TestApp.withRouter(source()) { client, _ in
            let answer = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&sort_metric=node_gpu_utilization&time=1000&page=1&limit=2")
            #expect(answer.results.map(\.metricName) == ["node_gpu_utilization"])
            #expect(answer.results[0].data.result.map { $0.metric["node"] } == ["node-b", "node-a"])
            #expect(answer.results[0].data.result.map { $0.value?.value } == [0.9, 0.2])
            #expect(answer.totalItem == 3 && answer.totalPage == 2 && answer.page == 1)

            let ascending = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&sort_metric=node_gpu_utilization&sort_type=asc&time=1000")
            // Unknown values last, whichever the direction.
            #expect(ascending.results[0].data.result.map { $0.metric["node"] } == ["node-a", "node-b"])
            #expect(ascending.totalItem == 3 && ascending.totalPage == 1)

            let second = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_per_gpu_temp$&sort_metric=node_gpu_utilization&time=1000&page=2&limit=2")
            #expect(second.results[0].data.result.map { $0.metric["node"] } == ["node-c"])
        }
    }

    /// A page whose first row lies past the end, however far (page × limit larger than any integer), is empty.
    @Test(arguments: ["4", "9223372036854775807", "922337203685477581"])
    func aFarPageIsEmpty(page: String) async throws {
        try await TestApp.withRouter(source()) { client, _ in
            let answer = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&time=1000&page=\(page)&limit=10")
            #expect(answer.results[0].data.result.isEmpty)
            #expect(answer.totalItem == 3 && answer.totalPage == 1 && answer.page == Int(page))
            let first = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&time=1000&page=1&limit=10")
            #expect(first.results[0].data.result.count == 2)
        }
    }

    @Test func resourcesFilterMatchesWholeNodeNames() async throws {
        try await TestApp.withRouter(source()) { client, _ in
            let answer = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_total$&resources_filter=node-a%7Cnode-c&time=1000")
            #expect(answer.totalItem == 2)
            #expect(Set(answer.results[0].data.result.compactMap { $0.metric["node"] }) == ["node-a", "node-c"])
            let none = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_total$&resources_filter=node&time=1000")
            #expect(none.totalItem == 0)
        }
    }

    /// The console names the nodes of its page: Prometheus is asked for those nodes only, by every label that names
    /// nodes; any other pattern asks for every node and filters afterwards.
    @Test func listedNodesAreAllPrometheusIsAskedFor() async throws {
        let source = source()
        try await TestApp.withRouter(source) { client, _ in
            let listed = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_total$&resources_filter=node-a%7Cnode-c$&start=0&end=1200&step=600")
            #expect(Set(listed.results[0].data.result.compactMap { $0.metric["node"] }) == ["node-a", "node-c"])
            let selectors = try PromQLSelectors.find(in: try #require(source.rangeQueries.last).text)
            #expect(!selectors.isEmpty)
            for selector in selectors { #expect(selector.text.contains("instance=~\"node-a|node-c\""), "\(selector.text)") }

            _ = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_total$&resources_filter=node-.*&start=0&end=1200&step=600")
            #expect(source.rangeQueries.count == 2)
            #expect(!(try #require(source.rangeQueries.last).text.contains("=~\"node-")))
        }
    }

    @Test func clusterMetricsSumEveryNode() async throws {
        try await TestApp.withRouter(source()) { client, _ in
            let answer = try await get(client, "\(Self.base)/cluster/metrics?metrics_filter=cluster_gpu_&time=1000")
            let values = Dictionary(uniqueKeysWithValues: answer.results.map { ($0.metricName, $0.data.result.first?.value?.value) })
            #expect(values["cluster_gpu_usage"] == 1.3)
            #expect(values["cluster_gpu_total"] == 4)
            #expect(values["cluster_gpu_utilization"] == 0.325)
            #expect(values["cluster_gpu_memory_usage"] == 8_000)
            #expect(values["cluster_gpu_memory_total"] == 16_000)
            #expect(values["cluster_gpu_memory_utilization"] == 0.5)
            #expect(answer.results.allSatisfy { $0.data.result.first?.metric == [:] })
        }
    }

    /// An instant of now asking node-level metrics is answered from the fleet index's rows: the range answer here
    /// says otherwise (every GPU at 99 %), and is not what comes back.
    @Test func nowComesFromTheFleetRows() async throws {
        let source = source()
        let now = Date().timeIntervalSince1970
        FleetAnswers.install([
            .init(node: "node-a", exporter: .dcgm, utilization: 20, seen: now - 1, gpuCount: 2, gpuMemoryUsed: 2_000, gpuMemoryTotal: 8_000),
            .init(node: "node-b", exporter: .dcgm, utilization: 90, seen: now - 2, gpuCount: 1, gpuMemoryUsed: 6_000, gpuMemoryTotal: 8_000),
            .init(node: "node-c", exporter: .dcgm, temperature: 55, seen: now - 1),
        ], into: source, at: now)
        source.answerRanges(with: ["node-a", "node-b", "node-c"].map { node in
            Series(labels: ["ks_family": "gpu_utilization:dcgm", "instance": node, "gpu": "0"], points: [.init(timestamp: now, value: 99)])
        })
        try await TestApp.withRouter(source) { client, _ in
            let filter = FormEncoding.escape("node_gpu_(usage|total|utilization|memory_usage|memory_total|memory_utilization)$")
            let answer = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=\(filter)&sort_metric=node_gpu_utilization&page=1&limit=2")
            let values = Dictionary(uniqueKeysWithValues: answer.results.map { result in
                (result.metricName, result.data.result.map { "\($0.metric["node"] ?? "") \($0.value?.value ?? -1)" })
            })
            #expect(values["node_gpu_utilization"] == ["node-b 0.9", "node-a 0.2"])
            #expect(values["node_gpu_usage"] == ["node-b 0.9", "node-a 0.4"])
            #expect(values["node_gpu_total"] == ["node-b 1.0", "node-a 2.0"])
            #expect(values["node_gpu_memory_usage"] == ["node-b 6000.0", "node-a 2000.0"])
            #expect(values["node_gpu_memory_total"] == ["node-b 8000.0", "node-a 8000.0"])
            #expect(values["node_gpu_memory_utilization"] == ["node-b 0.75", "node-a 0.25"])
            // An instant's time is when the node was scraped.
            #expect(answer.results[0].data.result.map { $0.value?.timestamp } == [now - 2, now - 1])
            #expect(answer.totalItem == 3 && answer.totalPage == 2)
            // The order is worked out once per index, and each direction and filter is its own.
            let again = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=\(filter)&sort_metric=node_gpu_utilization&page=1&limit=2")
            #expect(again == answer)
            let ascending = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&sort_metric=node_gpu_utilization&sort_type=asc")
            #expect(ascending.results[0].data.result.map { $0.metric["node"] } == ["node-a", "node-b"])
            let filtered = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&sort_metric=node_gpu_utilization&resources_filter=node-a%7Cnode-c")
            #expect(filtered.results[0].data.result.map { $0.metric["node"] } == ["node-a"] && filtered.totalItem == 2)

            let cluster = try await get(client, "\(Self.base)/cluster/metrics?metrics_filter=cluster_gpu_")
            let totals = Dictionary(uniqueKeysWithValues: cluster.results.map { ($0.metricName, $0.data.result.first?.value?.value) })
            #expect(totals["cluster_gpu_usage"] == 1.3)
            #expect(totals["cluster_gpu_total"] == 3)
            #expect(totals["cluster_gpu_memory_usage"] == 8_000)
            #expect(totals["cluster_gpu_memory_utilization"] == 0.5)
            #expect(cluster.results[0].data.result.first?.value?.timestamp == now - 1)

            // Per-GPU metrics are not in the rows, nor is a past instant: they come from the range answer.
            let perGPU = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_per_gpu_utilization$&time=\(now)")
            #expect(Set(perGPU.results[0].data.result.compactMap(\.value?.value)) == [0.99])
            let past = try await get(client, "\(Self.base)/nodes/metrics?metrics_filter=node_gpu_utilization$&time=\(now)")
            #expect(Set(past.results[0].data.result.compactMap(\.value?.value)) == [0.99])
        }
    }

    @Test(arguments: [("sort_metric=nope", "sort_metric"), ("sort_type=up", "sort_type"), ("page=0", "page"), ("limit=0", "limit"),
                      ("resources_filter=(", "resources_filter")])
    func badListParametersAre400(query: String, parameter: String) async throws {
        try await TestApp.withRouter(source()) { client, _ in
            let (status, _, error) = try await client.get("\(Self.base)/nodes/metrics?\(query)", as: MonitoringResults.self)
            #expect(status == .badRequest)
            #expect(error?.error.message.contains("'\(parameter)'") == true)
        }
    }
}
