import ArgumentParser
import KsEdgeGPU
import Logging
import Metrics
import Prometheus
import Foundation
import Simulator

@main
struct KsEdgeGPUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ks-edge-gpu",
        abstract: "GPU metrics of KubeEdge edge nodes for the KubeSphere console.",
        subcommands: [Serve.self, Simulate.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the GPU API, the operator page and /metrics.",
        discussion: "Each option can also be set in the environment (named in brackets); a flag wins over the environment.")

    @Option(help: "Prometheus base URL [PROMETHEUS_URL] (default: http://127.0.0.1:9090)") var prometheusURL: String?
    @Option(help: "Address to listen on [HOST] (default: 0.0.0.0)") var host: String?
    @Option(help: "Port to listen on [PORT] (default: 8080)") var port: String?
    @Option(help: "SQLite file; its directory is created [DATABASE_PATH] (default: ./data/ks-edge-gpu.sqlite)") var database: String?
    @Option(help: "Label that names the Kubernetes node [NODE_LABEL] (default: instance)") var nodeLabel: String?
    @Option(help: "Node label of dcgm-exporter series, e.g. Hostname [DCGM_NODE_LABEL] (default: --node-label)") var dcgmNodeLabel: String?
    @Option(help: "Node label of nvidia_gpu_exporter series [NVIDIA_SMI_NODE_LABEL] (default: --node-label)") var nvidiaSmiNodeLabel: String?
    @Option(help: "How often the board inventory is refreshed [REFRESH_INTERVAL] (default: 30s)") var refreshInterval: String?
    @Option(help: "Whole deadline of one Prometheus call, connect included [PROMETHEUS_TIMEOUT] (default: 10s)") var prometheusTimeout: String?
    @Option(help: "The ServiceMonitor's scrape interval; decides online vs stale [SCRAPE_INTERVAL] (default: 1m)") var scrapeInterval: String?
    @Option(help: "How long answers are reused; concurrent requests always share one query [CACHE_TTL] (default: 5s)") var cacheTtl: String?
    @Option(help: "Folder of *.sql migrations [MIGRATIONS_DIR] (default: migrations)") var migrations: String?
    @Option(name: .customLong("public"), help: "Folder of the operator page [PUBLIC_DIR] (default: Public)") var publicDirectory: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical [LOG_LEVEL] (default: info)") var logLevel: String?

    func run() async throws {
        let configuration: ServeConfiguration
        do {
            configuration = try ServeConfiguration.resolve(flags: [
                "prometheus-url": prometheusURL, "host": host, "port": port, "database": database, "node-label": nodeLabel,
                "dcgm-node-label": dcgmNodeLabel, "nvidia-smi-node-label": nvidiaSmiNodeLabel,
                "refresh-interval": refreshInterval, "prometheus-timeout": prometheusTimeout, "scrape-interval": scrapeInterval, "cache-ttl": cacheTtl,
                "migrations": migrations, "public": publicDirectory, "log-level": logLevel,
            ], environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "ks-edge-gpu")
        logger.info("starting", metadata: [
            "prometheus": "\(configuration.prometheusURL)", "database": "\(configuration.databasePath)",
            "scrapeInterval": "\(DurationText.format(configuration.scrapeInterval))",
        ])
        do {
            let app = try await buildApplication(configuration, metricsRegistry: registry, logger: logger)
            try await app.runService()
        } catch let error as Inventory.MigrationsNotFound {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
    }
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a simulated fleet of GPU exporters for Prometheus to scrape.",
        discussion: """
            Jetson boards cycle through Xavier NX, AGX Orin (seed collector) and Orin Nano (variant); dcgm nodes are \
            servers with two A100s (one used by a pod), nvidia-smi nodes servers with one L40S. Values move over time. GET /targets lists every node in Prometheus http_sd format; GET /nodes/<node>/metrics is a node's page.
            """)

    @Option(help: "Address to listen on") var host = "127.0.0.1"
    @Option(help: "Port to listen on") var port = 9100
    @Option(help: "Number of simulated nodes") var boards = 3
    @Option(help: "Exporters of the simulated nodes with weights: jetson, dcgm, nvidia-smi (e.g. jetson=3,dcgm=1,nvidia-smi=1)")
    var mix = "jetson"
    @Option(name: .customLong("fixture"), help: "Also serve a captured exporter page verbatim as a node: NODE=FILE (repeatable)")
    var fixtures: [String] = []
    @Option(help: "host:port Prometheus should scrape (default: host:port)") var advertise: String?

    func validate() throws {
        guard SimulatedBoard.parseMix(mix) != nil else {
            throw ValidationError("--mix \(mix): expected exporters jetson, dcgm, nvidia-smi with optional weights, e.g. jetson=3,dcgm=1")
        }
        guard boards >= 0, boards <= 100_000 else { throw ValidationError("--boards must be between 0 and 100000") }
        for fixture in fixtures {
            let parts = fixture.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, NodeName(String(parts[0])) != nil else {
                throw ValidationError("--fixture \(fixture): expected NODE=FILE with a valid node name")
            }
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var configuration = SimulatorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.boards = boards
        configuration.mix = SimulatedBoard.parseMix(mix)!
        configuration.advertise = advertise
        for fixture in fixtures {
            let parts = fixture.split(separator: "=", maxSplits: 1)
            configuration.fixtures[String(parts[0])] = String(parts[1])
        }
        let logger = Logger(label: "ks-edge-gpu-simulator")
        let app = try SimulatorServer.build(configuration, logger: logger) { port in
            logger.info("simulating \(boards) boards", metadata: ["targets": "http://\(host):\(port)/targets"])
        }
        try await app.runService()
    }
}
