import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

/// `/api/v1/...` through the router; what reaches Prometheus is what the fake forwarder records.
@Suite struct PassThroughRouteTests {
    func forwarded(_ source: FakeMetricsSource) -> [String] { source.queries.map(\.text).filter { $0.hasPrefix("/api/v1/") } }

    @Test func allowedQueryIsForwardedWithItsKnownParametersOnly() async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, _ in
            try await client.execute(uri: "/api/v1/query?query=gpu_usage_gpu&time=1700000000&evil=1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("forwarded"))
            }
            #expect(forwarded(source) == ["/api/v1/query?query=gpu_usage_gpu&time=1700000000"])
        }
    }

    @Test func formBodiesArePassedThroughToo() async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, _ in
            let body = ByteBuffer(string: "query=avg%28DCGM_FI_DEV_GPU_UTIL%29&start=1&end=61&step=15")
            try await client.execute(uri: "/api/v1/query_range", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: body) {
                #expect($0.status == .ok)
            }
            #expect(forwarded(source) == ["/api/v1/query_range?query=avg(DCGM_FI_DEV_GPU_UTIL)&start=1&end=61&step=15"])
        }
    }

    @Test(arguments: [
        ("/api/v1/query?query=node_load1", HTTPResponse.Status.forbidden, "node_load1"),
        ("/api/v1/query?query=gpu_usage_gpu%20or%20kube_secret_info", .forbidden, "kube_secret_info"),
        ("/api/v1/series?match[]=%7B__name__%3D~%22.%2B%22%7D", .forbidden, "__name__"),
        ("/api/v1/query?query=up%7B", .badRequest, "query"),
        ("/api/v1/query", .badRequest, "query"),
        ("/api/v1/labels", .badRequest, "match[]"),
        ("/api/v1/label/__name__/values", .badRequest, "match[]"),
        ("/api/v1/label/a-b/values?match[]=up", .badRequest, "name"),
    ])
    func refusedRequestsNeverReachPrometheus(uri: String, status: HTTPResponse.Status, named: String) async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, _ in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == status, "\(uri)")
                let body = try JSONCoding.decoder.decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(body.error.message.contains(named), "\(body.error.message)")
            }
            #expect(forwarded(source).isEmpty)
        }
    }

    @Test func seriesAndLabelValuesForwardEveryMatcher() async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, _ in
            try await client.execute(uri: "/api/v1/label/instance/values?match[]=gpu_usage_gpu&match[]=up", method: .get) { #expect($0.status == .ok) }
            #expect(forwarded(source) == ["/api/v1/label/instance/values?match[]=gpu_usage_gpu&match[]=up"])
        }
    }

    /// Grafana's own encoding of NVIDIA's DCGM dashboard: `+` for spaces and `match%5B%5D` for `match[]`, in the URL
    /// (GET) and in a form body (POST); each reaches Prometheus as the panel wrote it.
    @Test(arguments: GrafanaEncoding.allCases)
    func grafanasEncodingOfADashboardPassesThrough(encoding: GrafanaEncoding) async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, _ in
            var expected: [String] = []
            for expression in DCGMDashboard.panels {
                let form = encoding.encode([("query", expression), ("start", "1700000000"), ("end", "1700003600"), ("step", "15")])
                #expect(form.contains("+") && !form.contains(" "))
                try await client.execute(uri: "/api/v1/query_range?\(form)", method: .get) { #expect($0.status == .ok, "GET \(form)") }
                try await client.execute(uri: "/api/v1/query_range", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: form)) { #expect($0.status == .ok, "POST \(form)") }
                let instant = encoding.encode([("query", expression), ("time", "1700003600")])
                try await client.execute(uri: "/api/v1/query?\(instant)", method: .get) { #expect($0.status == .ok, "GET \(instant)") }
                expected += Array(repeating: "/api/v1/query_range?query=\(expression)&start=1700000000&end=1700003600&step=15", count: 2)
                expected.append("/api/v1/query?query=\(expression)&time=1700003600")
            }
            let variable = encoding.encode([("match[]", DCGMDashboard.gpuVariable), ("start", "1700000000"), ("end", "1700003600")])
            #expect(variable.contains("match%5B%5D="))
            try await client.execute(uri: "/api/v1/label/gpu/values?\(variable)", method: .get) { #expect($0.status == .ok, "GET \(variable)") }
            try await client.execute(uri: "/api/v1/series", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: variable)) { #expect($0.status == .ok, "POST \(variable)") }
            expected += ["label/gpu/values", "series"].map { "/api/v1/\($0)?match[]=\(DCGMDashboard.gpuVariable)&start=1700000000&end=1700003600" }
            // Go's encoding sorts the names; the fake records them in the order they came.
            #expect(forwarded(source).map(sortedFields) == expected.map(sortedFields))
        }
    }

    func sortedFields(_ forwarded: String) -> String {
        let parts = forwarded.split(separator: "?", maxSplits: 1)
        return parts[0] + "?" + (parts.count > 1 ? parts[1].split(separator: "&").sorted().joined(separator: "&") : "")
    }

    /// The data routes read their parameters the same way: `+` is a space, a percent-encoded name is its name.
    @Test func dataRoutesReadFormEncodedParameters() async throws {
        let source = FakeMetricsSource()
        let now = Date().timeIntervalSince1970
        FleetAnswers.install([
            .init(node: "edge-a", utilization: 76.3, model: "NVIDIA Jetson AGX Orin (64GB ram)"),
            .init(node: "edge-b", utilization: 47.8, model: "NVIDIA Jetson Xavier NX (Developer kit)"),
            .init(node: "edge-c", utilization: 12, model: "NVIDIA Jetson AGX Xavier"),
        ], into: source, at: now)
        try await TestApp.withRouter(source) { client, _ in
            let (status, list, error) = try await client.get("/edge/nodes?%73ortBy=gpuUtilizationPercent&ascending=true&model=Jetson+AGX", as: FleetList.self)
            #expect(status == .ok, "\(error?.error.message ?? "")")
            #expect(list?.items.map(\.node) == ["edge-c", "edge-a"])
        }
    }

    @Test func oversizedFormBodyIs413() async throws {
        try await TestApp.withRouter(FakeMetricsSource()) { client, _ in
            let body = ByteBuffer(string: "query=" + String(repeating: "u", count: PassThroughController.maxBodyBytes + 1))
            try await client.execute(uri: "/api/v1/query", method: .post, body: body) { #expect($0.status == .contentTooLarge) }
        }
    }

    @Test func passThroughNeedsTheSameCredentialAsTheRest() async throws {
        let secrets = try TemporaryDirectory()
        try "t0ken".write(toFile: secrets.file("token"), atomically: true, encoding: .utf8)
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source, configure: { $0.auth = .token; $0.authTokenFile = secrets.file("token") }) { client, _ in
            try await client.execute(uri: "/api/v1/query?query=up", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/query?query=up", method: .get, headers: [.authorization: "Bearer t0ken"]) { #expect($0.status == .ok) }
            #expect(forwarded(source).count == 1)
        }
    }
}
