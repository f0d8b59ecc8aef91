import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

/// The API group `gpu.edge.kubesphere.io/v1alpha1` and the console's monitoring envelope, through the router.
@Suite struct KubeSphereRouteTests {
    static let base = "/kapis/gpu.edge.kubesphere.io/v1alpha1"
    let now = Date().timeIntervalSince1970

    static let nodes = [("edge-nx-01", "jetson-xavier-nx.prom"), ("edge-nano-03", "jetson-orin-nano.prom"),
                        ("gpu-dcgm-01", "dcgm-2x-a100.prom"), ("gpu-smi-01", "nvidia-smi-exporter.prom")]

    func fleet() throws -> [Series] {
        try Self.nodes.flatMap { node, file in try Fixtures.series(file, node: node, timestamp: now) }
    }

    func metrics(_ client: any TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, MonitoringResults?, [String: Any]?) {
        try await client.execute(uri: uri, method: .get) { response in
            let data = Data(buffer: response.body)
            let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return (response.status, response.status == .ok ? try JSONCoding.decoder.decode(MonitoringResults.self, from: data) : nil, raw)
        }
    }

    @Test func nodeRoutesAnswerUnderTheAPIGroupAsUnderEdge() async throws {
        try await TestApp.withRouter(FakeMetricsSource(series: try fleet())) { client, database in
            // The inventory refresh at start-up adds boards to the fleet list: let it finish before comparing.
            for _ in 0..<100 where try await Inventory(path: database, migrations: BuiltInFiles.migrations, logger: TestApp.logger).boards().count < Self.nodes.count {
                try await Task.sleep(for: .milliseconds(50))
            }
            for path in ["/nodes/gpu-dcgm-01/gpu", "/nodes", "/nodes/edge-nx-01/gpu"] {
                let edge = try await client.execute(uri: "/edge" + path, method: .get) { ($0.status, Data(buffer: $0.body)) }
                let group = try await client.execute(uri: Self.base + path, method: .get) { ($0.status, Data(buffer: $0.body)) }
                #expect(edge.0 == .ok && group.0 == .ok, "\(path)")
                #expect(edge.1 == group.1, "\(path)")
            }
        }
    }

    @Test(arguments: nodes)
    func perGPUMetricsCarryKubeSpheresUnits(node: String, file: String) async throws {
        let expected = try #require(Normalizer.normalize(node: node, series: Fixtures.series(file, node: node, timestamp: now)))
        try await TestApp.withRouter(FakeMetricsSource(series: try fleet())) { client, _ in
            let (status, body, _) = try await metrics(client, "\(Self.base)/nodes/\(node)/metrics?metrics_filter=node_per_gpu_.*")
            #expect(status == .ok)
            let results = try #require(body?.results)
            #expect(results.map(\.metricName) == ["node_per_gpu_utilization", "node_per_gpu_memory_utilization", "node_per_gpu_memory_usage",
                                                  "node_per_gpu_memory_available", "node_per_gpu_temp", "node_per_gpu_power_usage"])
            func value(_ name: String, _ gpu: NodeGPU.GPU) -> Double? {
                let series = results.first { $0.metricName == name }?.data.result.first {
                    $0.metric["gpu"] == String(gpu.index) && $0.metric["gpu_instance"] == gpu.migInstanceId.map(String.init)
                }
                #expect(series.map { $0.metric["node"] == node && $0.value?.timestamp == expected.observedAt?.timeIntervalSince1970 } ?? true)
                return series?.value?.value
            }
            for gpu in expected.gpus {
                #expect(value("node_per_gpu_utilization", gpu) == gpu.utilizationPercent.map { ($0 / 100).roundedToMillionths })
                #expect(value("node_per_gpu_temp", gpu) == gpu.temperatureCelsius)
                #expect(value("node_per_gpu_power_usage", gpu) == gpu.powerWatts)
                #expect(value("node_per_gpu_memory_usage", gpu) == gpu.memoryUsedBytes)
                let available = gpu.memoryUsedBytes.flatMap { used in gpu.memoryTotalBytes.map { $0 - used } }
                #expect(value("node_per_gpu_memory_available", gpu) == available)
                let ratio = gpu.memoryUsedBytes.flatMap { used in gpu.memoryTotalBytes.map { (used / $0).roundedToMillionths } }
                #expect(value("node_per_gpu_memory_utilization", gpu) == ratio)
            }
            // Unknown is no series, never a 0.
            let utilization = results[0].data.result
            #expect(utilization.count == expected.gpus.filter { $0.utilizationPercent != nil }.count)
            #expect(results.allSatisfy { $0.data.resultType == "vector" && $0.error == nil })
        }
    }

    @Test func nodeLevelGPUMetricsSumTheGPUs() async throws {
        let expected = try #require(Normalizer.normalize(node: "gpu-dcgm-01", series: Fixtures.series("dcgm-2x-a100.prom", node: "gpu-dcgm-01", timestamp: now)))
        try await TestApp.withRouter(FakeMetricsSource(series: try fleet())) { client, _ in
            let (_, body, _) = try await metrics(client, "\(Self.base)/nodes/gpu-dcgm-01/metrics?metrics_filter=node_gpu_")
            let values = Dictionary(uniqueKeysWithValues: try #require(body).results.map { ($0.metricName, $0.data.result.first?.value?.value) })
            let usage = expected.gpus.compactMap(\.utilizationPercent).map { $0 / 100 }.reduce(0, +)
            #expect(values["node_gpu_total"] == Double(expected.gpus.count))
            #expect(values["node_gpu_usage"] == usage.roundedToMillionths)
            #expect(values["node_gpu_utilization"] == (usage / Double(expected.gpus.count)).roundedToMillionths)
            #expect(values["node_gpu_memory_total"] == expected.gpus.compactMap(\.memoryTotalBytes).reduce(0, +))
            #expect(values.count == 6)
        }
    }

    @Test func unmeasuredBoardValuesAreNoSeries() async throws {
        try await TestApp.withRouter(FakeMetricsSource(series: try fleet())) { client, _ in
            let (_, body, _) = try await metrics(client, "\(Self.base)/nodes/edge-nx-01/metrics?metrics_filter=node_board_|node_cpu_")
            let results = Dictionary(uniqueKeysWithValues: try #require(body).results.map { ($0.metricName, $0.data.result) })
            // The Xavier NX measures none of the collector's rails, has no board input, and its `aux` sensor is offline.
            #expect(results["node_board_power"]?.isEmpty == true)
            #expect(results["node_board_power_total"]?.isEmpty == true)
            #expect(results["node_board_temperature"]?.contains { $0.metric["sensor"] == "aux" } == false)
            #expect(results["node_board_temperature"]?.isEmpty == false)
            #expect(results["node_board_fan_speed"]?.first?.value.map { $0.value > 0 && $0.value <= 1 } == true)
            #expect(results["node_cpu_core_utilization"]?.count == 6)
            #expect(results["node_cpu_core_utilization"]?.allSatisfy { ($0.value?.value ?? 2) <= 1 } == true)
        }
    }

    @Test func rangeIsAMatrixWithStringValuesAndPerMetricErrors() async throws {
        let source = FakeMetricsSource()
        source.answerRanges(with: [Series(labels: ["ks_family": "gpu_utilization:dcgm", "gpu": "0"],
                                          points: [.init(timestamp: 960, value: 50), .init(timestamp: 1080, value: 25)])])
        try await TestApp.withRouter(source) { client, _ in
            let uri = "\(Self.base)/nodes/gpu-dcgm-01/metrics?metrics_filter=node_per_gpu_utilization$|node_board_fan_speed$&start=1000&end=1130&step=1m"
            let (status, body, raw) = try await metrics(client, uri)
            #expect(status == .ok)
            let results = try #require(body?.results)
            #expect(results.map(\.metricName) == ["node_per_gpu_utilization", "node_board_fan_speed"])
            #expect(results[0].data.resultType == "matrix")
            // 1000…1130 asked, 960…1080 answered: both ends moved back to whole minutes.
            #expect(results[0].data.result.first?.values == [.init(timestamp: 960, value: 0.5), .init(timestamp: 1080, value: 0.25)])
            #expect(results[1].error?.contains("only available") == true)
            // Values are strings on the wire, as in Prometheus' API.
            let first = ((raw?["results"] as? [[String: Any]])?.first?["data"] as? [String: Any])?["result"] as? [[String: Any]]
            #expect(((first?.first?["values"] as? [[Any]])?.first?[1] as? String) == "0.5")
            // Among whatever the background refreshes asked meanwhile.
            #expect(source.queries.contains { $0.text.contains("gpu_utilization:dcgm") })
        }
    }

    @Test(arguments: [
        ("time=1000&start=900", "time"), ("metrics_filter=(", "metrics_filter"), ("start=0&end=11000&step=1", "step"),
        ("end=100", "start"), ("start=200&end=100", "start"), ("start=0&end=10&step=0", "step"), ("time=soon", "time"),
    ])
    func badParametersAre400NamingThem(query: String, parameter: String) async throws {
        let source = FakeMetricsSource(series: try fleet())
        try await TestApp.withRouter(source) { client, _ in
            let (status, _, raw) = try await metrics(client, "\(Self.base)/nodes/gpu-dcgm-01/metrics?\(query)")
            #expect(status == .badRequest)
            #expect(((raw?["error"] as? [String: Any])?["message"] as? String)?.contains("'\(parameter)'") == true)
            // Nothing about the node was asked (the inventory refresh may run meanwhile: it names no node).
            #expect(!source.queries.contains { $0.text.contains("gpu-dcgm-01") })
        }
    }

    @Test func dataRoutesNeedTheStaticTokenAndTheRestStaysOpen() async throws {
        let secrets = try TemporaryDirectory()
        try "s3cret-token\n".write(toFile: secrets.file("token"), atomically: true, encoding: .utf8)
        let source = FakeMetricsSource(series: try fleet())
        try await TestApp.withRouter(source, configure: { $0.auth = .token; $0.authTokenFile = secrets.file("token") }) { client, _ in
            for uri in ["/edge/nodes", "/edge/nodes/gpu-dcgm-01/gpu", "\(Self.base)/nodes/gpu-dcgm-01/metrics"] {
                for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.remoteUser: "admin"], [.authorization: "Basic s3cret-token"]] {
                    try await client.execute(uri: uri, method: .get, headers: headers) { response in
                        #expect(response.status == .unauthorized, "\(uri) \(headers)")
                        #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                        let body = try JSONCoding.decoder.decode(ErrorBody.self, from: Data(buffer: response.body))
                        #expect(body.error.code == "unauthorized")
                    }
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer s3cret-token"]) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
            for uri in ["/health", "/"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .ok, "\(uri)") }
            }
            try await client.execute(uri: "/ready", method: .get) { #expect($0.status != .unauthorized) }
        }
    }

    @Test func kubesphereTokensGuardTheAPIGroup() async throws {
        let secrets = try TemporaryDirectory()
        try AuthenticationTests.secret.write(toFile: secrets.file("jwt"), atomically: true, encoding: .utf8)
        let token = try await AuthenticationTests.token()
        let expired = try await AuthenticationTests.token(expires: -3600, issued: -7200)
        try await TestApp.withRouter(FakeMetricsSource(series: try fleet()),
                                     configure: { $0.auth = .kubesphere; $0.jwtSecretFile = secrets.file("jwt") },
                                     now: { AuthenticationTests.now }) { client, _ in
            let uri = "\(Self.base)/nodes/gpu-dcgm-01/gpu"
            try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)", .remoteUser: "admin"]) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(expired)"]) { #expect($0.status == .unauthorized) }
        }
    }

    /// A secret file that cannot be used stops start-up with a message naming the problem.
    @Test(arguments: [
        (ServeConfiguration.AuthMode.token, "/nonexistent/token", "cannot read"),
        (.kubesphere, "empty", "empty"),
        (.kubesphere, "short", "shorter than 32 bytes"),
    ])
    func unusableSecretFilesStopStartUp(mode: ServeConfiguration.AuthMode, file: String, problem: String) async throws {
        let secrets = try TemporaryDirectory()
        try "too-short\n".write(toFile: secrets.file("short"), atomically: true, encoding: .utf8)
        try " \n".write(toFile: secrets.file("empty"), atomically: true, encoding: .utf8)
        let path = file.hasPrefix("/") ? file : secrets.file(file)
        await #expect {
            try await TestApp.withRouter(FakeMetricsSource(), configure: { $0.auth = mode; $0.authTokenFile = path; $0.jwtSecretFile = path }) { _, _ in }
        } throws: { error in
            (error as? StartupError)?.description.contains(problem) == true
        }
    }
}
