import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import KsEdgeGPU

/// `X-Request-ID`: on every answer, kept when valid, made otherwise; in every log line of its request and on the
/// Prometheus queries the request sends.
@Suite struct RequestIDTests {
    static func withApp(_ source: FakeMetricsSource, logger: Logger = TestApp.logger,
                        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let app = try await buildApplication(TestApp.configuration(database: directory.file("db.sqlite")), source: source, logger: logger)
        try await app.test(.router, test)
    }

    static func source() throws -> FakeMetricsSource {
        FakeMetricsSource(series: try Fixtures.series("jetson-xavier-nx.prom", node: "edge-nx-01"))
    }

    @Test(arguments: ["/edge/nodes/edge-nx-01/gpu", "/edge/nodes/Bad_Name/gpu", "/edge/nowhere", "/health", "/"])
    func everyAnswerCarriesOneAndAValidIncomingOneIsKept(uri: String) async throws {
        try await Self.withApp(try Self.source()) { client in
            let made = try await client.execute(uri: uri, method: .get) { $0.headers[.requestID] }
            let other = try await client.execute(uri: uri, method: .get) { $0.headers[.requestID] }
            #expect(made.map(RequestTrace.isValid) == true, "\(uri): \(made ?? "none")")
            #expect(made != other, "each request gets its own id")
            let kept = try await client.execute(uri: uri, method: .get, headers: [.requestID: "console-7f3a:42"]) { $0.headers[.requestID] }
            #expect(kept == "console-7f3a:42")
        }
    }

    @Test(arguments: ["", String(repeating: "a", count: 129), "two words", "quote\"d", "nul\u{0}", "ünïcode", "line\r\nInjected: yes"])
    func anInvalidIncomingOneIsReplaced(incoming: String) async throws {
        try await Self.withApp(try Self.source()) { client in
            var headers = HTTPFields()
            // Some of these cannot even be sent as a header value; what the server sees then is no id at all.
            if let name = HTTPField.Name("X-Request-ID") { headers.append(HTTPField(name: name, value: incoming)) }
            let answer = try await client.execute(uri: "/edge/nodes/edge-nx-01/gpu", method: .get, headers: headers) { $0.headers[.requestID] }
            #expect(answer != nil && answer != incoming && answer.map(RequestTrace.isValid) == true, "\(answer ?? "none")")
        }
    }

    @Test func theRequestsLogLinesAndPrometheusQueriesCarryIt() async throws {
        let logs = CapturedLogs()
        let source = try Self.source()
        try await Self.withApp(source, logger: logs.logger) { client in
            // Stored first, then Prometheus fails: the request logs a warning and serves the stored snapshot.
            _ = try await client.execute(uri: "/edge/nodes/edge-nx-01/gpu", method: .get, headers: [.requestID: "first-request"]) { _ in }
            source.fail(with: .unreachable("connection refused"))
            let before = logs.all.count
            let status = try await client.execute(uri: "/edge/nodes/edge-nx-01/gpu", method: .get, headers: [.requestID: "second-request"]) {
                $0.status
            }
            #expect(status == .ok)
            let lines = logs.all.dropFirst(before)
            #expect(lines.contains { $0.level == .warning }, "the stale fallback logs a warning")
            for line in lines {
                #expect(line.metadata[RequestTrace.metadataKey] == .string("second-request"), "\(line.message)")
            }
        }
        // Background work (the inventory refresh at start) is nobody's request and sends none.
        #expect(Set(source.requestIDs.compactMap { $0 }) == ["first-request", "second-request"])
    }
}
