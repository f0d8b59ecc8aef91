import Foundation
import Testing
@testable import KsEdgeGPU

/// SIGTERM to the built `ks-edge-gpu serve` while requests are in flight: it stops accepting, lets them finish within
/// `--shutdown-grace`, ends event streams cleanly and closes the database; past the grace it cuts them off and stops.
/// Prometheus is made slow by the fault proxy, so a request is in flight for as long as the test needs.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveShutdownTests {
    static let node = "edge-xavier-nx-01"

    /// The server on the proxy, with its log in `directory`.
    static func serve(through proxy: FaultProxy, in directory: borrowing TemporaryDirectory, grace: String) async throws -> (LiveProgram, String) {
        let server = try #require(LiveProgram.server, "build ks-edge-gpu first (swift build --build-tests)")
        let log = directory.file("serve.log")
        let program = try await LiveProgram(server, readyPath: "/health", output: log) { port in
            ["serve", "--host", "127.0.0.1", "--port", "\(port)", "--prometheus-url", proxy.url, "--database", directory.file("inventory.sqlite"),
             "--scrape-interval", "1s", "--cache-ttl", "0s", "--prometheus-timeout", "60s", "--shutdown-grace", grace]
        }
        return (program, log)
    }

    /// curl in the background: a request that stays in flight while the test goes on. `file` gets the body, then the
    /// status code.
    static func request(_ url: String, id: String, into file: String) throws -> BackgroundProcess {
        try BackgroundProcess("/usr/bin/curl", ["-s", "-N", "-H", "X-Request-ID: \(id)", "-w", "%{http_code}", url], output: file)
    }

    /// Waits (bounded) until `condition` holds.
    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    static func contents(_ file: String) -> String { (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }

    @Test func sigtermLetsRequestsInFlightFinishEndsStreamsAndClosesTheDatabase() async throws {
        try await FaultProxy.withFaultyPrometheus { proxy in
            let directory = try TemporaryDirectory()
            let (server, log) = try await Self.serve(through: proxy, in: directory, grace: "10s")
            defer { server.stop() }
            let snapshot = "\(server.url)/edge/nodes/\(Self.node)/gpu"
            #expect(try curl(["-f", "-o", "/dev/null", snapshot]).status == 0)

            let streamed = directory.file("stream.txt")
            let stream = try Self.request(snapshot + "/stream", id: "stream", into: streamed)
            try await Self.waitUntil("the stream delivers a snapshot") { Self.contents(streamed).contains("event: snapshot") }

            try await proxy.set("delay", seconds: 4)
            let answered = directory.file("in-flight.json")
            let inFlight = try Self.request(snapshot, id: "in-flight", into: answered)
            try await Self.waitUntil("the request reaches Prometheus") { try await proxy.hasSeen(requestID: "in-flight") }

            server.terminate()
            // New connections are refused at once, while the request in flight still runs.
            try await Self.waitUntil("new connections are refused") {
                try curl(["-o", "/dev/null", "--max-time", "1", "\(server.url)/health"]).status == 7
            }
            #expect(inFlight.isRunning, "the request in flight ended before the server stopped accepting")
            // The stream ends cleanly (curl's 0, not a reset), without waiting for the request.
            #expect(try await stream.exitStatus(within: .seconds(10)) == 0)
            #expect(Self.contents(streamed).contains("event: snapshot"))

            // The request finishes with its answer, and then the server stops by itself.
            #expect(try await inFlight.exitStatus(within: .seconds(30)) == 0)
            let body = Self.contents(answered)
            #expect(body.hasSuffix("200"), "\(body.suffix(200))")
            let answer = try JSONCoding.decoder.decode(NodeGPU.self, from: Data(body.dropLast(3).utf8))
            #expect(answer.status == .online)
            #expect(try await server.exitStatus(within: .seconds(15)) == 0)
            #expect(Self.contents(log).contains("closed the database"), "\(Self.contents(log).suffix(2000))")
        }
    }

    @Test func pastTheGraceRequestsAreCutOffAndTheServerStillStops() async throws {
        try await FaultProxy.withFaultyPrometheus { proxy in
            let directory = try TemporaryDirectory()
            let (server, log) = try await Self.serve(through: proxy, in: directory, grace: "1s")
            defer { server.stop() }
            let snapshot = "\(server.url)/edge/nodes/\(Self.node)/gpu"
            #expect(try curl(["-f", "-o", "/dev/null", snapshot]).status == 0)

            try await proxy.set("delay", seconds: 40)
            let answered = directory.file("in-flight.json")
            let inFlight = try Self.request(snapshot, id: "too-slow", into: answered)
            try await Self.waitUntil("the request reaches Prometheus") { try await proxy.hasSeen(requestID: "too-slow") }

            server.terminate()
            // It stops by itself, long before Prometheus would have answered; the request gets no answer.
            let status = try await server.exitStatus(within: .seconds(15))
            #expect(status == 0, "\(Self.contents(log).suffix(2000))")
            #expect(try await inFlight.exitStatus(within: .seconds(5)) != nil)
            #expect(!Self.contents(answered).hasSuffix("200"))
            #expect(Self.contents(log).contains("closed the database"), "\(Self.contents(log).suffix(2000))")
            try await proxy.set("pass")
        }
    }
}
