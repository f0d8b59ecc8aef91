import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing
@testable import KsEdgeGPU

/// `GET /edge/nodes/{name}/gpu/stream` over a real HTTP connection: Server-Sent Events as a browser's EventSource
/// reads them, and a graceful shutdown that ends open streams.
@Suite(.serialized) struct EventStreamTests {
    let node = "edge-agx-02"

    func series(at time: Double) throws -> [Series] { try Fixtures.series("jetson-agx-orin.prom", node: node, timestamp: time) }

    func withServer(_ source: FakeMetricsSource, _ body: @Sendable (Int, ServiceGroup) async throws -> Void) async throws {
        try await TestApp.withLiveServer(source, configure: { $0.scrapeInterval = .seconds(1) }, body)
    }

    /// Reads the stream until `enough` says so (or it ends); returns the text and whether the stream ended.
    func read(_ response: HTTPClientResponse, until enough: (String) -> Bool) async throws -> (text: String, ended: Bool) {
        var text = ""
        for try await chunk in response.body {
            text += String(buffer: chunk)
            if enough(text) { return (text, false) }
        }
        return (text, true)
    }

    func snapshots(in text: String) throws -> [NodeGPU] {
        try text.components(separatedBy: "\n\n").filter { $0.hasPrefix("event: snapshot") }.map { event in
            let data = try #require(event.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
            return try JSONCoding.decoder.decode(NodeGPU.self, from: Data(data.utf8))
        }
    }

    @Test func aSnapshotNowAndAnotherWhenANewScrapeArrives() async throws {
        let source = FakeMetricsSource()
        try await withServer(source) { port, _ in
            // Scraped now that the server is up (starting it may take a while on a busy machine).
            let start = Date().timeIntervalSince1970
            source.replace(try series(at: start))
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/edge/nodes/\(node)/gpu/stream"), timeout: .seconds(30))
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"].first?.hasPrefix("text/event-stream") == true)
            #expect(response.headers["Cache-Control"].first == "no-cache")
            source.replace(try series(at: start + 1))
            let (text, ended) = try await read(response) { (try? snapshots(in: $0).count) == 2 }
            #expect(!ended)
            #expect(text.hasPrefix("retry: 5000\n\n"))
            let events = try snapshots(in: text)
            #expect(events.map(\.node) == [node, node])
            let times = events.compactMap(\.observedAt).map { ($0.timeIntervalSince1970 * 1000).rounded() }
            #expect(times == [(start * 1000).rounded(), ((start + 1) * 1000).rounded()])
            // Each event's id is its observedAt in milliseconds, so a reconnecting browser says what it last had.
            #expect(text.contains("id: \(Int64(times[1]))\n"))
        }
    }

    /// Errors before the stream starts are the API's JSON errors.
    @Test func unknownOrInvalidNodeIsAJSONError() async throws {
        try await withServer(FakeMetricsSource(series: try series(at: Date().timeIntervalSince1970))) { port, _ in
            for (path, status) in [("edge-nowhere", 404), ("Bad_Name", 400)] {
                let response = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/edge/nodes/\(path)/gpu/stream"), timeout: .seconds(10))
                #expect(Int(response.status.code) == status)
                let body = try await response.body.collect(upTo: 64 * 1024)
                #expect(String(buffer: body).contains(#""error""#))
            }
        }
    }

    /// A graceful shutdown (SIGTERM) ends open streams cleanly instead of waiting for them.
    @Test func gracefulShutdownEndsOpenStreams() async throws {
        let source = FakeMetricsSource(series: try series(at: Date().timeIntervalSince1970))
        let ended = Mutex(false)
        try await withServer(source) { port, group in
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/edge/nodes/\(node)/gpu/stream"), timeout: .seconds(30))
            // Bounded: a stream that ignored the shutdown would otherwise hold the test for ever.
            let text = try await withThrowingTaskGroup(of: String?.self) { tasks in
                tasks.addTask {
                    var text = ""
                    var shutdown: Task<Void, Never>?
                    for try await chunk in response.body {
                        text += String(buffer: chunk)
                        if shutdown == nil, text.contains("event: snapshot") { shutdown = Task { await group.triggerGracefulShutdown() } }
                    }
                    return text
                }
                tasks.addTask {
                    try await Task.sleep(for: .seconds(10))
                    return nil
                }
                let first = try await tasks.next() ?? nil
                tasks.cancelAll()
                return first
            }
            #expect(text != nil, "the stream was still open 10 s after the shutdown began")
            ended.withLock { $0 = text != nil }
            #expect(text?.components(separatedBy: "event: snapshot").count == 2)
        }
        #expect(ended.withLock { $0 })
    }
}
