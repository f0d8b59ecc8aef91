import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import KsEdgeGPU

/// A caller that stops waiting is not a Prometheus outage: no stale fallback, no warning.
@Suite struct CancellationTests {
    func context(_ source: FakeMetricsSource, _ store: Inventory, _ logs: CapturedLogs) -> GPUContext<FakeMetricsSource, Inventory> {
        GPUContext(source: source, store: store, queries: GPUQueries(), freshness: Freshness(scrapeInterval: .seconds(60)), logger: logs.logger)
    }

    @Test func cancelledSnapshotQueryIsNotServedStale() async throws {
        let directory = try TemporaryDirectory()
        let store = try Inventory(path: directory.file("db.sqlite"), migrations: BuiltInFiles.migrations, logger: TestApp.logger)
        let source = FakeMetricsSource(series: try Fixtures.series("jetson-xavier-nx.prom", node: "edge-1"))
        let logs = CapturedLogs()
        let service = NodeSnapshotService(context: context(source, store, logs))
        let node = try #require(NodeName("edge-1"))
        #expect(try await service.snapshot(node).status == .online)
        #expect(try await store.snapshot("edge-1") != nil)

        source.fail(with: .cancelled)
        await #expect(throws: CancellationError.self) { try await service.snapshot(node) }
        // The control: an outage is served stale from the same store, with a warning.
        source.fail(with: .unreachable("refused"))
        #expect(try await service.snapshot(node).status == .stale)
        #expect(logs.messages(atLeast: .warning).count == 1)
    }

    @Test func cancelledRefreshIsQuiet() async throws {
        let directory = try TemporaryDirectory()
        let store = try Inventory(path: directory.file("db.sqlite"), migrations: BuiltInFiles.migrations, logger: TestApp.logger)
        let source = FakeMetricsSource()
        let logs = CapturedLogs()
        let refresh = InventoryRefreshService(context: context(source, store, logs), interval: .seconds(60))
        source.fail(with: .cancelled)
        #expect(await refresh.refreshOnce() == 0)
        #expect(logs.messages(atLeast: .warning).isEmpty)
        source.fail(with: .timeout(seconds: 1))
        #expect(await refresh.refreshOnce() == 0)
        #expect(logs.messages(atLeast: .warning) == ["inventory refresh failed"])
    }

    /// A real client asking a Prometheus that never answers, cancelled while it waits.
    @Test func cancelledClientCallIsCancellationNotAnOutage() async throws {
        let router = Router()
        router.post("api/v1/query") { _, _ -> String in
            try? await Task.sleep(for: .seconds(5))
            return "{}"
        }
        let silent = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestApp.logger)
        try await silent.test(.live) { silentClient in
            let httpClient = PrometheusClient.makeHTTPClient(timeout: .seconds(10))
            let client = PrometheusClient(httpClient: httpClient, baseURL: try #require(URL(string: "http://127.0.0.1:\(silentClient.port!)")),
                                          timeout: .seconds(10), logger: TestApp.logger)
            let call = Task { () -> UpstreamError? in
                do {
                    _ = try await client.query(all: [PromQL(trusted: "up"), PromQL(trusted: "vector(1)")])
                    return nil
                } catch let error as UpstreamError {
                    return error
                } catch {
                    return .badResponse("unexpected \(error)")
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            call.cancel()
            #expect(await call.value == .cancelled)
            try await httpClient.shutdown()
        }
    }
}
