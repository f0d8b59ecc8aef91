import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The fault proxy (`scripts/lib/fault-proxy.py`), controlled over HTTP.
struct FaultProxy {
    let program: LiveProgram
    var url: String { program.url }

    func set(_ mode: String, seconds: Double = 0) async throws {
        _ = try await stats(URL(string: "\(url)/_fault/set?mode=\(mode)&seconds=\(seconds)")!)
    }

    func stats() async throws -> [String: Any] { try await stats(URL(string: "\(url)/_fault/stats")!) }

    private func stats(_ url: URL) async throws -> [String: Any] {
        let (data, _) = try await URLSession.shared.data(from: url)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    var requests: Int { get async throws { try await stats()["requests"] as? Int ?? -1 } }

    /// Whether a request with this `X-Request-ID` has reached the proxy.
    func hasSeen(requestID: String) async throws -> Bool {
        (try await stats()["request_ids"] as? [Any])?.contains { $0 as? String == requestID } == true
    }

    /// A real Prometheus scraping one simulated board, the fault proxy in front of it.
    static func withFaultyPrometheus(_ body: @Sendable (FaultProxy) async throws -> Void) async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let python = try #require(LiveServices.installed("PYTHON3_BIN", ["/usr/bin/python3", "/usr/local/bin/python3"]))
        let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/lib/fault-proxy.py").path
        try await LiveServices.withSimulator(boards: 1, fixtures: [:]) { simulatorPort in
            let prometheus = try PrometheusProcess(targetsPort: simulatorPort, binary: binary)
            defer { prometheus.stop() }
            try await prometheus.waitForNodes(1)
            let program = try await LiveProgram(python, readyPath: "/_fault/stats") { port in [script, "\(port)", prometheus.url] }
            defer { program.stop() }
            try await body(FaultProxy(program: program))
        }
    }
}
