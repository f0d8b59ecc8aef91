import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// A misbehaving Prometheus: a loopback fault proxy (`scripts/lib/fault-proxy.py`) in front of a real Prometheus.
/// Whatever the fault, a node whose snapshot is stored is answered `stale` from SQLite with its age, never a hang or
/// a 500; a dead Prometheus is probed, not hammered; and service comes back without a restart.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveFaultTests {
    static let node = "edge-xavier-nx-01"

    /// ks-edge-gpu as `serve` builds it (real client, retries, circuit breaker), asking Prometheus through the proxy.
    func withServer(through proxy: FaultProxy, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        var configuration = TestApp.configuration(database: directory.file("inventory.sqlite"), scrapeInterval: .seconds(1))
        configuration.prometheusURL = try #require(URL(string: proxy.url))
        configuration.prometheusTimeout = .seconds(1)
        configuration.prometheusMaxResponse = 1 << 20
        let app = try await buildApplication(configuration, logger: TestApp.logger)
        try await app.test(.live) { client in try await body(client) }
    }

    /// GET with an `X-Request-ID`: status, decoded snapshot, `X-Data-Age`.
    static func snapshot(_ client: any TestClientProtocol, id: String) async throws -> (HTTPResponse.Status, NodeGPU?, Int?) {
        try await client.execute(uri: "/edge/nodes/\(node)/gpu", method: .get, headers: [.requestID: id]) { response in
            let body = response.status == .ok ? try? JSONCoding.decoder.decode(NodeGPU.self, from: Data(buffer: response.body)) : nil
            return (response.status, body, response.headers[.dataAge].flatMap { Int($0) })
        }
    }

    @Test(arguments: [
        ("delay", "stale"), ("truncate", "stale"), ("garbage", "stale"), ("status-error", "stale"), ("http-5xx", "stale"),
        ("reset", "stale"), ("huge", "stale"), ("warnings", "online"),
    ])
    func eachFaultIsAnsweredFromStorageWithItsAge(mode: String, expected: String) async throws {
        try await FaultProxy.withFaultyPrometheus { proxy in
            try await withServer(through: proxy) { client in
                let (status, good, _) = try await Self.snapshot(client, id: "before-\(mode)")
                let stored = try #require(good, "\(status)")
                #expect(stored.status == .online)
                #expect((try await proxy.stats()["request_ids"] as? [Any])?.contains { $0 as? String == "before-\(mode)" } == true,
                        "the request's id went along with its Prometheus query")

                try await proxy.set(mode, seconds: 3)
                let (faultStatus, answer, age) = try await Self.snapshot(client, id: "during-\(mode)")
                #expect(faultStatus == .ok, "\(mode)")
                let served = try #require(answer, "\(mode)")
                #expect(served.status.rawValue == expected, "\(mode)")
                #expect(served.gpus.count == stored.gpus.count && !served.gpus.isEmpty, "\(mode)")
                if expected == "stale" {
                    #expect(served.observedAt == stored.observedAt, "\(mode): the stored snapshot, as it was")
                    #expect(age.map { $0 >= 0 } == true, "\(mode): X-Data-Age says how old it is")
                    // The fleet index's next refresh fails too: it keeps its rows, no longer online.
                    let fleet = try await client.fleet { $0.items.map(\.status) == [.stale] }
                    #expect(fleet?.items.map(\.status) == [.stale], "\(mode): the fleet is stale too")
                }
                if mode == "huge" {
                    // Cut off once past --prometheus-max-response (1 MiB here), not read to its 200 MiB end.
                    var sent = 0
                    for _ in 0..<40 where sent == 0 {
                        sent = try await proxy.stats()["huge_bytes_sent"] as? Int ?? 0
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    #expect(sent > 0 && sent < 100 << 20, "the proxy sent \(sent) bytes before ks-edge-gpu hung up")
                }
                try await proxy.set("pass")
            }
        }
    }

    @Test func aDeadPrometheusIsProbedNotHammeredAndServiceComesBackWithoutARestart() async throws {
        try await FaultProxy.withFaultyPrometheus { proxy in
            try await withServer(through: proxy) { client in
                #expect(try await Self.snapshot(client, id: "first").1?.status == .online)
                try await proxy.set("reset")
                // Three tries per request: two requests make five failures in a row and open the circuit.
                for index in 0..<2 { #expect(try await Self.snapshot(client, id: "open-\(index)").1?.status == .stale) }
                let reached = try await proxy.requests
                for index in 0..<20 {
                    let (status, body, age) = try await Self.snapshot(client, id: "while-open-\(index)")
                    #expect(status == .ok && body?.status == .stale && age != nil)
                }
                #expect(try await proxy.requests == reached, "no request reached Prometheus while the circuit was open")

                try await proxy.set("pass")
                var recovered = false
                for index in 0..<40 where !recovered {
                    recovered = try await Self.snapshot(client, id: "probe-\(index)").1?.status == .online
                    if !recovered { try await Task.sleep(for: .milliseconds(250)) }
                }
                #expect(recovered, "online again once a probe succeeds")
            }
        }
    }
}
