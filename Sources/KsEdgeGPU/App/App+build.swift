import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The application with its real Prometheus client. The HTTP client is shut down by the lifecycle, after the server.
public func buildApplication(
    _ configuration: ServeConfiguration,
    metricsRegistry: PrometheusCollectorRegistry? = nil,
    logger: Logger
) async throws -> some ApplicationProtocol {
    let httpClient = PrometheusClient.makeHTTPClient(timeout: configuration.prometheusTimeout)
    let client = PrometheusClient(httpClient: httpClient, baseURL: configuration.prometheusURL, timeout: configuration.prometheusTimeout,
                                  maxBodyBytes: configuration.prometheusMaxResponse, logger: logger)
    let source = ResilientSource(base: client, breaker: CircuitBreaker(), deadline: configuration.prometheusTimeout)
    do {
        return try await buildApplication(configuration, source: source, metricsRegistry: metricsRegistry,
                                          services: [HTTPClientService(client: httpClient)], logger: logger)
    } catch {
        try? await httpClient.shutdown()
        throw error
    }
}

/// The one wiring of the application; tests call it with a fake `source` or a real Prometheus.
public func buildApplication<Source: MetricsSource & PrometheusForwarder>(
    _ configuration: ServeConfiguration,
    source: Source,
    metricsRegistry: PrometheusCollectorRegistry? = nil,
    services: [any Service] = [],
    now: @escaping @Sendable () -> Date = Date.init,
    giveBackMemory: @escaping @Sendable () -> Void = FreedMemory.giveBack,
    logger: Logger,
    onListening: @escaping @Sendable (_ port: Int?) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let migrations = try configuration.migrationsDirectory.map(Inventory.Migration.load(from:)) ?? BuiltInFiles.migrations
    let inventory = try Inventory(path: configuration.databasePath, migrations: migrations, logger: logger)
    let contact = UpstreamContact()
    let recorded = RecordingMetricsSource(base: source, contact: contact, now: now)
    let queries = configuration.queries
    let freshness = Freshness(scrapeInterval: configuration.scrapeInterval, pushInterval: configuration.pushInterval)
    let readiness = Readiness()

    let context = GPUContext(source: recorded, store: inventory, queries: queries, freshness: freshness,
                             thresholds: configuration.thresholds, logger: logger, now: now)
    let fleetIndex = FleetIndexService(fleet: FleetService(context: context), interval: configuration.effectiveFleetInterval)
    let snapshots = NodeSnapshotService(context: context, cacheTTL: configuration.cacheTTL, statusSeen: fleetIndex.saw,
                                         isScraped: fleetIndex.isScraped)
    let router = buildRouter(
        nodes: NodeController(
            snapshots: snapshots,
            fleet: fleetIndex,
            history: HistoryService(context: context, cacheTTL: configuration.cacheTTL),
            feeds: SnapshotFeeds(snapshots: snapshots, scrapeInterval: configuration.scrapeInterval, now: now),
            now: now),
        authenticator: try await configuration.authenticator(now: now),
        passThrough: PassThroughController(forwarder: source, policy: PassThroughPolicy(patterns: configuration.passThroughAllow)),
        health: HealthController(readiness: readiness, contact: contact,
                                 fleetIndex: { now in (fleetIndex.hasAttempted, fleetIndex.status(now: now)) }, now: now),
        metricsRegistry: metricsRegistry,
        beforeMetrics: { fleetIndex.recordAge(now: now()) },
        publicDirectory: configuration.publicDirectory,
        corsOrigin: configuration.corsOrigin,
        giveBackMemory: giveBackMemory,
        logger: logger)

    let refresh = InventoryRefreshService(context: context, interval: configuration.refreshInterval,
                                          ledger: LedgerSettings(retention: configuration.ledgerRetention, goneAfter: configuration.ledgerGoneAfter,
                                                                 problemLookback: configuration.effectiveFleetInterval * 3 + configuration.scrapeInterval * 10),
                                          fleetIndex: { fleetIndex.current })
    return Application(
        router: router,
        // Idle keep-alive connections, and clients too slow to send their request, are closed; a response in progress
        // (an event stream) is never cut. Headers beyond 16 KiB are refused.
        server: .http1(configuration: .init(
            additionalChannelHandlers: [UnreadableRequestAnswer()],
            idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.secondsValue * 1e9)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 << 10, maxHeaderListSize: 16 << 10, maxHeaderFieldCount: 100))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ks-edge-gpu"),
        // The ServiceGroup stops these in reverse order, after the server: the refreshes, the HTTP client, then the
        // database.
        services: [InventoryCloser(inventory: inventory, logger: logger)] + services + [refresh, fleetIndex],
        onServerRunning: { channel in
            readiness.markListening()
            logger.info("ks-edge-gpu listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            // The port actually bound: with port 0 the kernel picks it.
            await onListening(channel.localAddress?.port)
        },
        logger: logger
    )
}

func buildRouter<Source: MetricsSource, Store: InventoryStore>(
    nodes: NodeController<Source, Store>,
    authenticator: any Authenticator,
    passThrough: PassThroughController,
    health: HealthController,
    metricsRegistry: PrometheusCollectorRegistry?,
    beforeMetrics: @escaping @Sendable () -> Void = {},
    publicDirectory: String?,
    corsOrigin: String? = nil,
    giveBackMemory: @escaping @Sendable () -> Void = FreedMemory.giveBack,
    logger: Logger
) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: RequestIDMiddleware())
    // Off unless a console on another origin needs it; before authentication, so preflights are answered.
    if let corsOrigin {
        let exposed = ["X-Request-ID", "X-Data-Age", "Retry-After"]
        router.add(middleware: CORSMiddleware(
            allowOrigin: .custom(corsOrigin), allowHeaders: [.accept, .authorization, .contentType, .requestID],
            allowMethods: [.get, .post, .head, .options], exposedHeaders: exposed))
        router.add(middleware: ExposeHeadersMiddleware(origin: corsOrigin, headers: exposed))
    }
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: MetricsMiddleware())
    // The page's files may be kept but are revalidated each time (ETag -> 304), so an upgrade shows at once.
    let revalidate = CacheControl([(MediaType(type: .any), [.noCache])])
    router.add(middleware: ConsoleBundleMiddleware())
    if let publicDirectory {
        router.add(middleware: FileMiddleware(publicDirectory, cacheControl: revalidate, searchForIndexHtml: true, logger: logger))
    } else {
        router.add(middleware: FileMiddleware(fileProvider: InMemoryFileProvider(files: BuiltInFiles.page), cacheControl: revalidate,
                                              searchForIndexHtml: true))
    }
    // /health, /ready, /metrics, /openapi.yaml and the page stay open; the data routes need a credential (--auth).
    health.addRoutes(to: router)
    let auth = AuthMiddleware<BasicRequestContext>(authenticator: authenticator)
    let edge = router.group("edge").add(middleware: auth)
    nodes.addRoutes(to: edge)
    let kubesphere = router.group(RouterPath(KubeSphereController<Source, Store>.path)).add(middleware: auth)
    KubeSphereController(nodes: nodes, giveBackMemory: giveBackMemory).addRoutes(to: kubesphere)
    for group in [edge, kubesphere] { LedgerController(store: nodes.snapshots.context.store).addRoutes(to: group) }
    passThrough.addRoutes(to: router.group("api/v1").add(middleware: auth))
    let document = ByteBuffer(bytes: BuiltInFiles.openAPIDocument)
    router.get("openapi.yaml") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "no-cache"],
                 body: .init(byteBuffer: document))
    }
    if let metricsRegistry {
        router.get("metrics") { _, _ in
            beforeMetrics()
            var buffer = [UInt8]()
            buffer.reserveCapacity(16_384)
            metricsRegistry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
    // Last: it applies only to requests no route above took.
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}

/// Owns the shared HTTP client's lifetime: it is shut down once the application stops.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
