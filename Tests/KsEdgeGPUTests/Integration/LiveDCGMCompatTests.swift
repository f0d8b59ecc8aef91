import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// The shipped dcgm-compatible rules in a real Prometheus, beside kube-state-metrics' `kube_pod_info` and
/// kube-prometheus' `node_namespace_pod:kube_pod_info:` rule: the queries KubeSphere's console sends for its GPU charts,
/// and NVIDIA's Grafana dashboard's, give every fixture board's snapshot values.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveDCGMCompatTests {
    /// A Jetson board that also carries a dcgm-exporter series: it must get no recorded series (no double counting).
    static let alsoDCGM = "fx-jetson-xavier-nx"
    static let ruleFiles = [
        Fixtures.repositoryRoot.appendingPathComponent("deploy/prometheus/dcgm-compat.rules.yml").path,
        Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/kube-prometheus/node.rules.yml").path,
    ]

    /// kube-state-metrics' page: each scrape target's pod on its node, as KubeSphere's cluster has them.
    static func kubeStateMetrics(targets: [[String: String]]) -> String {
        var lines = ["# TYPE kube_pod_info gauge"]
        for labels in targets {
            guard let namespace = labels["namespace"], let pod = labels["pod"], let node = labels["instance"] else { continue }
            lines.append(#"kube_pod_info{namespace="\#(namespace)",pod="\#(pod)",node="\#(node)",host_ip="10.0.0.1",created_by_kind="DaemonSet"} 1"#)
        }
        lines.append("# TYPE DCGM_FI_DEV_GPU_TEMP gauge")
        lines.append(#"DCGM_FI_DEV_GPU_TEMP{instance="\#(alsoDCGM)",gpu="0",UUID="GPU-0",modelName="NVIDIA T4",Hostname="\#(alsoDCGM)"} 40"#)
        return lines.joined(separator: "\n") + "\n"
    }

    static func close(_ value: Double?, _ expected: Double?) -> Bool {
        guard let value, let expected else { return value == nil && expected == nil }
        return abs(value - expected) <= 1e-6 * max(1, abs(expected))
    }

    @Test func consoleAndGrafanaQueriesGiveEveryBoardsSnapshotValues() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let fixtures = LivePrometheusTests.fixtureNodes
        try await LiveServices.withSimulator(boards: 0, fixtures: fixtures) { simulatorPort in
            let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(simulatorPort)/targets")))
            let targets = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]]).compactMap { $0["labels"] as? [String: String] }
            let page = Self.kubeStateMetrics(targets: targets)
            let router = Router()
            router.get("metrics") { _, _ in page }
            let kubeState = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestApp.logger)
            try await kubeState.test(.live) { kubeStateClient in
                let job = PrometheusProcess.job("kube-state-metrics", port: try #require(kubeStateClient.port), honorLabels: true)
                let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: binary, extraScrapeConfigs: job, ruleFiles: Self.ruleFiles)
                defer { prometheus.stop() }
                try await prometheus.waitForNodes(fixtures.count + 1)
                let directory = try TemporaryDirectory()
                let app = try await buildApplication(try prometheus.serveConfiguration(in: directory, timeout: .seconds(5)), logger: TestApp.logger)
                try await app.test(.live) { client in
                    try await check(client, prometheus, nodes: fixtures.keys.sorted())
                }
            }
        }
    }

    func check(_ client: any TestClientProtocol, _ prometheus: PrometheusProcess, nodes: [String]) async throws {
        // Rules evaluated every second, each on the scrapes before it: wait for every family of every board the
        // rules cover (the Jetson boards and nvidia_gpu_exporter servers, but the one with dcgm-exporter series too).
        let covered = nodes.filter { !$0.contains("dcgm") && $0 != Self.alsoDCGM }
        // and for kube-prometheus' rule to name every board's node.
        let join = "* on (namespace, pod) group_left (node) node_namespace_pod:kube_pod_info:"
        for _ in 0..<120 {
            let families = try await prometheus.query(#"count by (__name__, Hostname) ({__name__=~"DCGM_FI_DEV_.*",ks_edge_gpu_source!=""})"#)
            let joined = try await prometheus.query("count by (node) (DCGM_FI_DEV_GPU_UTIL \(join))")
            if Set(families.compactMap { $0.labels["Hostname"] }) == Set(covered), Set(families.map(\.name)).count == 5,
               Set(joined.compactMap { $0.labels["node"] }).isSuperset(of: covered) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        func value(_ query: String) async throws -> Double? { try await prometheus.query(query).first?.latest?.value }
        func perGPU(_ query: String) async throws -> [String: Double] {
            Dictionary(try await prometheus.query(query).compactMap { series in series.latest.map { (series.labels["gpu"] ?? "", $0.value) } },
                       uniquingKeysWith: { first, _ in first })
        }
        var compared = 0
        var clusterPower = 0.0
        for node in nodes {
            let (status, body, _) = try await client.get("/edge/nodes/\(node)/gpu", as: NodeGPU.self)
            #expect(status == .ok)
            let snapshot = try #require(body)
            let recorded = try await prometheus.query(#"{__name__=~"DCGM_FI_DEV_.*",ks_edge_gpu_source!="",Hostname="\#(node)"}"#)
            guard snapshot.exporter != .dcgm, node != Self.alsoDCGM else {
                #expect(recorded.isEmpty, "\(node) has dcgm-exporter's own series, and recorded ones too: \(recorded.map(\.labels))")
                continue
            }
            #expect(Set(recorded.compactMap { $0.labels["ks_edge_gpu_source"] }) == [snapshot.exporter.rawValue], "\(node)")
            #expect(recorded.allSatisfy { $0.labels["modelName"]?.isEmpty == false && $0.labels["namespace"] != nil && $0.labels["pod"] != nil })
            let scope = #"{node="\#(node)"}"#
            // The console's chart queries: per GPU, and per node.
            let util = try await perGPU("DCGM_FI_DEV_GPU_UTIL \(join)\(scope)")
            let temp = try await perGPU("DCGM_FI_DEV_GPU_TEMP \(join)\(scope)")
            let power = try await perGPU("DCGM_FI_DEV_POWER_USAGE \(join)\(scope)")
            let used = try await perGPU("DCGM_FI_DEV_FB_USED \(join)\(scope)")
            let free = try await perGPU("DCGM_FI_DEV_FB_FREE \(join)\(scope)")
            for gpu in snapshot.gpus {
                let index = String(gpu.index)
                #expect(Self.close(util[index], gpu.utilizationPercent), "\(node) gpu \(index) utilisation \(util[index] ?? -1)")
                #expect(Self.close(temp[index], gpu.temperatureCelsius), "\(node) gpu \(index) temperature")
                #expect(Self.close(power[index], gpu.powerWatts), "\(node) gpu \(index) power")
                let mebibyte = 1_048_576.0
                #expect(Self.close(used[index], gpu.memoryUsedBytes.map { $0 / mebibyte }), "\(node) gpu \(index) memory used")
                let expectedFree = gpu.memoryUsedBytes.flatMap { used in gpu.memoryTotalBytes.map { ($0 - used) / mebibyte } }
                #expect(Self.close(free[index], expectedFree), "\(node) gpu \(index) memory free")
                compared += 1
            }
            let utilizations = snapshot.gpus.compactMap(\.utilizationPercent)
            let nodeUtil = try await value("avg(DCGM_FI_DEV_GPU_UTIL \(join)\(scope)) by (node) / 100")
            #expect(Self.close(nodeUtil, utilizations.isEmpty ? nil : utilizations.reduce(0, +) / Double(utilizations.count) / 100), "\(node)")
            let powers = snapshot.gpus.compactMap(\.powerWatts)
            let nodePower = try await value("sum(DCGM_FI_DEV_POWER_USAGE \(join)\(scope)) by (node)")
            #expect(Self.close(nodePower, powers.isEmpty ? nil : powers.reduce(0, +)), "\(node)")
            clusterPower += powers.reduce(0, +)

            // NVIDIA's Grafana dashboard through the pass-through, as its panel asks: the board's GPUs are listed.
            let expression = FormEncoding.escape(#"DCGM_FI_DEV_GPU_TEMP{instance=~".*", gpu=~".*"}"#)
            let listed = try await client.execute(uri: "/api/v1/query?query=\(expression)", method: .get) { response in
                let answer = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let result = ((answer?["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
                return result.compactMap { $0["metric"] as? [String: String] }.filter { $0["instance"] == node }.compactMap { $0["gpu"] }
            }
            #expect(Set(listed) == Set(snapshot.gpus.filter { $0.temperatureCelsius != nil }.map { String($0.index) }), "\(node): \(listed)")
        }
        #expect(compared >= covered.count, "too few GPUs compared: \(compared)")
        // The console's cluster card: the sum over every recorded GPU.
        let cluster = try await value(#"sum(DCGM_FI_DEV_POWER_USAGE{ks_edge_gpu_source!=""} \#(join))"#)
        #expect(Self.close(cluster, clusterPower), "cluster power \(cluster ?? -1), truly \(clusterPower)")
    }
}
