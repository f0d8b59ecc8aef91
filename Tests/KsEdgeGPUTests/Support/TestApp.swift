import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing
@testable import KsEdgeGPU

/// The application as `serve` builds it, on a temporary SQLite file, with the given source.
enum TestApp {
    static var logger: Logger {
        var logger = Logger(label: "ks-edge-gpu-test")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    static func configuration(database: String, scrapeInterval: Duration = .seconds(60)) -> ServeConfiguration {
        var configuration = ServeConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.databasePath = database
        configuration.scrapeInterval = scrapeInterval
        configuration.refreshInterval = .seconds(3600)
        // Tests change what Prometheus holds between requests; the cache has tests of its own.
        configuration.cacheTTL = .zero
        return configuration
    }
}

extension TestApp {
    /// Runs `test` against the application's router with `source` as Prometheus and a fresh SQLite file (or
    /// `database`), whose path it is handed.
    static func withRouter(
        _ source: FakeMetricsSource, configure: (inout ServeConfiguration) -> Void = { _ in },
        now: @escaping @Sendable () -> Date = Date.init, database: String? = nil,
        giveBackMemory: @escaping @Sendable () -> Void = FreedMemory.giveBack,
        _ test: @escaping @Sendable (any TestClientProtocol, String) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        let database = database ?? directory.file("db.sqlite")
        var configuration = configuration(database: database)
        configure(&configuration)
        let app = try await buildApplication(configuration, source: source, now: now, giveBackMemory: giveBackMemory, logger: logger)
        try await app.test(.router) { client in try await test(client, database) }
    }
}

extension TestClientProtocol {
    /// `/ready`'s body, whatever its status (through the router alone the server never listens, so it is a 503).
    func readiness() async throws -> ReadyStatus {
        try await execute(uri: "/ready", method: .get) { try JSONCoding.decoder.decode(ReadyStatus.self, from: Data(buffer: $0.body)) }
    }

    /// Polls `GET /edge/nodes` (bounded, 10 s) until `done` holds of the answer, which it returns (the last one if
    /// never): the fleet index refreshes in the background, so a change in Prometheus shows after its next refresh.
    func fleet(until done: (FleetList) -> Bool) async throws -> FleetList? {
        var list: FleetList?
        for _ in 0..<200 {
            list = try await get("/edge/nodes", as: FleetList.self).1
            if let list, done(list) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return list
    }

    /// GET `uri`, returning the status and the body decoded as `T` (or the error body).
    func get<T: Decodable>(_ uri: String, as type: T.Type = T.self) async throws -> (HTTPResponse.Status, T?, ErrorBody?) {
        try await execute(uri: uri, method: .get) { response in
            let data = Data(buffer: response.body)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(uri) is not JSON")
            if response.status == .ok {
                return (response.status, try JSONCoding.decoder.decode(T.self, from: data), nil)
            }
            return (response.status, nil, try JSONCoding.decoder.decode(ErrorBody.self, from: data))
        }
    }
}

extension TestApp {
    /// Runs the server on a free port in a ServiceGroup, as `serve` does; `body` gets the port and the group.
    static func withLiveServer(_ source: FakeMetricsSource, configure: (inout ServeConfiguration) -> Void = { _ in },
                               _ body: @Sendable (Int, ServiceGroup) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        var configuration = configuration(database: directory.file("db.sqlite"))
        // Port 0: the kernel picks a free port as the server binds, so parallel tests can never race for one.
        configuration.port = 0
        configure(&configuration)
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildApplication(configuration, source: source, logger: logger) { port in
            if let port { bound.yield(port) }
            bound.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A server that fails to start ends the wait for its port too.
                defer { bound.finish() }
                try await group.run()
            }
            var listening = ports.makeAsyncIterator()
            guard let port = await listening.next() else {
                try await tasks.waitForAll()
                throw POSIXError(.EADDRNOTAVAIL)
            }
            try await body(port, group)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
