import Foundation
import Hummingbird
import HummingbirdTesting
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// Every route and method with malformed, oversized and unicode input: names, parameters and pass-through bodies. The
/// answer is never a 5xx; an error is a 4xx with the JSON error body, and no rejected value reaches a query.
@Suite struct RoutePropertyTests {
    static let node = "edge-nx-01"
    static let kubeSphere = "/kapis/gpu.edge.kubesphere.io/v1alpha1"

    /// Paths with `{name}` where a node or label name goes. (`/ready` is left out: before the server listens it is a 503
    /// by design, whatever is asked.)
    static let templates = [
        "/edge/nodes/{name}/gpu", "/edge/nodes/{name}/gpu/history", "/edge/nodes/{name}/gpu/stream", "/edge/nodes", "/edge/summary",
        kubeSphere + "/nodes/{name}/metrics", kubeSphere + "/nodes/metrics", kubeSphere + "/cluster/metrics",
        "/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/label/{name}/values",
        "/health", "/", "/index.html", "/edge/{name}", "/{name}",
    ]
    /// Every parameter some route reads, and some no route reads.
    static let parameters = [
        "q", "status", "exporter", "model", "sortBy", "ascending", "page", "limit", "metrics", "range", "start", "end", "step",
        "metrics_filter", "resources_filter", "time", "sort_metric", "sort_type", "query", "match[]", "timeout", "node", "x", "",
    ]
    static let values = [
        "", "0", "-1", "1", "2", "9223372036854775807", "9223372036854775808", "922337203685477581", "1e308", "NaN", "-Inf", "0x10", "1.5", "15m", "1h", "7d", "-5m", "1y",
        "online", "stale", "jetson", "dcgm", "gpuTemperatureCelsius", "true", "asc", "desc", "2026-11-24T00:00:00Z", "1700000000",
        "gpu_utilization", "up", "gpu_.*", "{__name__=~\".+\"}", "sum(rate(x[5m]))", "%", "%ZZ", "%00", "%C0%AF", "%FF%FE",
        "gpu_usage_gpu|gpu_temp", "edge-nx-01", String(repeating: "9", count: 400), String(repeating: "a|", count: 3000),
    ]

    struct Probe: CustomStringConvertible {
        var method: HTTPRequest.Method
        var uri: String
        var body: [UInt8]
        var description: String { "\(method) \(uri.prefix(300)) body \(body.count) bytes" }
    }

    /// A value: a known one, hostile text, or hostile text left as raw percent signs.
    static let value = Generator<String, Shrink.None<String>>(run: { rng in
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: values.randomElement(using: &rng)!
        case 1: HostileText.percentEncoded(HostileText.string(of: 0...40).run(using: &rng))
        default: HostileText.percentEncoded(values.randomElement(using: &rng)!)
        }
    })

    static let probe = Generator<Probe, Shrink.None<Probe>>(run: { rng in
        let methods: [HTTPRequest.Method] = [.get, .get, .get, .get, .get, .get, .head, .post, .post, .put, .delete, .patch, .options]
        let method = methods.randomElement(using: &rng)!
        var template = templates.randomElement(using: &rng)!
        var name: String
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: name = node
        case 1: name = HostileText.validNodeName.run(using: &rng)
        case 2: name = HostileText.percentEncoded(HostileText.nodeNameLike.run(using: &rng))
        default: name = HostileText.percentEncoded(HostileText.string(of: 0...300).run(using: &rng))
        }
        // A live stream of a node with data never ends on its own; its errors are what is probed here.
        if template.hasSuffix("/stream"), name == node { name = "edge-nowhere" }
        if name.isEmpty { name = "%20" }
        template = template.replacingOccurrences(of: "{name}", with: name)
        let query = (0..<Int.random(in: 0...5, using: &rng)).map { _ in
            HostileText.percentEncoded(parameters.randomElement(using: &rng)!) + "=" + value.run(using: &rng)
        }
        let uri = template + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        var body: [UInt8] = []
        if method == .post {
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: body = Array(query.joined(separator: "&").utf8)
            case 1: body = (0..<Int.random(in: 0...2000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default: body = Array(("query=" + value.run(using: &rng)).utf8)
            }
        }
        return Probe(method: method, uri: uri, body: body)
    })

    @Test func noInputGivesA5xxAndEveryErrorIsJSON() async throws {
        let source = try FakeMetricsSource(series: Fixtures.series("jetson-xavier-nx.prom", node: Self.node))
        try await TestApp.withRouter(source) { client, _ in
            await propertyCheck(count: 1500, input: Self.probe, perform: failingOnThrow { probe in
                let headers: HTTPFields = probe.method == .post ? [.contentType: "application/x-www-form-urlencoded"] : [:]
                try await client.execute(uri: probe.uri, method: probe.method, headers: headers,
                                         body: probe.body.isEmpty ? nil : ByteBuffer(bytes: probe.body)) { response in
                    #expect(response.status.code < 500, "\(probe): \(response.status)")
                    guard response.status.code >= 400, probe.method != .head else { return }
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(probe): \(response.headers)")
                    let error = try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(buffer: response.body))
                    #expect(error != nil, "\(probe): \(String(buffer: response.body).prefix(300))")
                }
            })
        }
    }

    @Test func oversizedPassThroughBodiesAreRefusedUnread() async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, _ in
            await propertyCheck(count: 20, input: Gen.int(in: (PassThroughController.maxBodyBytes + 1)...(4 << 20)), perform: failingOnThrow { size in
                let body = ByteBuffer(repeating: UInt8(ascii: "a"), count: size)
                try await client.execute(uri: "/api/v1/query", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                         body: body) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect((try? JSONCoding.decoder.decode(ErrorBody.self, from: Data(buffer: response.body))) != nil)
                }
            })
            #expect(!source.queries.contains { $0.text.hasPrefix("query?") }, "an oversized body was forwarded")
        }
    }
}
