import ArgumentParser
import Foundation
import KsEdgeGPU
import Logging
import Metrics
import Prometheus
import Simulator

@main
struct KsEdgeGPUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ks-edge-gpu",
        abstract: "GPU metrics of KubeEdge edge nodes for the KubeSphere console.",
        subcommands: [Serve.self, Simulate.self, Rules.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the GPU API, the operator page and /metrics.",
        discussion: "Each option can also be set in the environment (named in brackets); a flag wins over the environment.")

    // Each option's flag and help come from its declaration in ServeSetting, which also resolves it.
    @Option(name: .customLong(ServeSetting.prometheusURL.flag), help: .init(ServeSetting.prometheusURL.help)) var prometheusURL: String?
    @Option(name: .customLong(ServeSetting.host.flag), help: .init(ServeSetting.host.help)) var host: String?
    @Option(name: .customLong(ServeSetting.port.flag), help: .init(ServeSetting.port.help)) var port: String?
    @Option(name: .customLong(ServeSetting.database.flag), help: .init(ServeSetting.database.help)) var database: String?
    @Option(name: .customLong(ServeSetting.nodeLabel.flag), help: .init(ServeSetting.nodeLabel.help)) var nodeLabel: String?
    @Option(name: .customLong(ServeSetting.dcgmNodeLabel.flag), help: .init(ServeSetting.dcgmNodeLabel.help)) var dcgmNodeLabel: String?
    @Option(name: .customLong(ServeSetting.nvidiaSMINodeLabel.flag), help: .init(ServeSetting.nvidiaSMINodeLabel.help))
    var nvidiaSMINodeLabel: String?
    @Option(name: .customLong(ServeSetting.nodeExporterNodeLabel.flag), help: .init(ServeSetting.nodeExporterNodeLabel.help))
    var nodeExporterNodeLabel: String?
    @Option(name: .customLong(ServeSetting.refreshInterval.flag), help: .init(ServeSetting.refreshInterval.help)) var refreshInterval: String?
    @Option(name: .customLong(ServeSetting.prometheusTimeout.flag), help: .init(ServeSetting.prometheusTimeout.help))
    var prometheusTimeout: String?
    @Option(name: .customLong(ServeSetting.prometheusMaxResponse.flag), help: .init(ServeSetting.prometheusMaxResponse.help))
    var prometheusMaxResponse: String?
    @Option(name: .customLong(ServeSetting.scrapeInterval.flag), help: .init(ServeSetting.scrapeInterval.help)) var scrapeInterval: String?
    @Option(name: .customLong(ServeSetting.pushInterval.flag), help: .init(ServeSetting.pushInterval.help)) var pushInterval: String?
    @Option(name: .customLong(ServeSetting.fleetInterval.flag), help: .init(ServeSetting.fleetInterval.help)) var fleetInterval: String?
    @Option(name: .customLong(ServeSetting.cacheTTL.flag), help: .init(ServeSetting.cacheTTL.help)) var cacheTTL: String?
    @Option(name: .customLong(ServeSetting.migrations.flag), help: .init(ServeSetting.migrations.help)) var migrations: String?
    @Option(name: .customLong(ServeSetting.publicDirectory.flag), help: .init(ServeSetting.publicDirectory.help)) var publicDirectory: String?
    @Option(name: .customLong(ServeSetting.logLevel.flag), help: .init(ServeSetting.logLevel.help)) var logLevel: String?
    @Option(name: .customLong(ServeSetting.logFormat.flag), help: .init(ServeSetting.logFormat.help)) var logFormat: String?
    @Option(name: .customLong(ServeSetting.corsOrigin.flag), help: .init(ServeSetting.corsOrigin.help)) var corsOrigin: String?
    @Option(name: .customLong(ServeSetting.idleTimeout.flag), help: .init(ServeSetting.idleTimeout.help)) var idleTimeout: String?
    @Option(name: .customLong(ServeSetting.shutdownGrace.flag), help: .init(ServeSetting.shutdownGrace.help)) var shutdownGrace: String?
    @Option(name: .customLong(ServeSetting.auth.flag), help: .init(ServeSetting.auth.help)) var auth: String?
    @Option(name: .customLong(ServeSetting.authTokenFile.flag), help: .init(ServeSetting.authTokenFile.help)) var authTokenFile: String?
    @Option(name: .customLong(ServeSetting.jwtSecretFile.flag), help: .init(ServeSetting.jwtSecretFile.help)) var jwtSecretFile: String?
    @Option(name: .customLong(ServeSetting.passThroughAllow.flag), help: .init(ServeSetting.passThroughAllow.help)) var passThroughAllow: String?
    @Option(name: .customLong(ServeSetting.gpuHot.flag), help: .init(ServeSetting.gpuHot.help)) var gpuHot: String?
    @Option(name: .customLong(ServeSetting.boardHot.flag), help: .init(ServeSetting.boardHot.help)) var boardHot: String?
    @Option(name: .customLong(ServeSetting.ledgerRetention.flag), help: .init(ServeSetting.ledgerRetention.help)) var ledgerRetention: String?
    @Option(name: .customLong(ServeSetting.ledgerGoneAfter.flag), help: .init(ServeSetting.ledgerGoneAfter.help)) var ledgerGoneAfter: String?

    /// The flags given, by their declaration: a setting cannot be misnamed here.
    var flags: [ServeSetting: String] {
        let given: [ServeSetting: String?] = [
            .prometheusURL: prometheusURL, .host: host, .port: port, .database: database, .nodeLabel: nodeLabel,
            .dcgmNodeLabel: dcgmNodeLabel, .nvidiaSMINodeLabel: nvidiaSMINodeLabel, .nodeExporterNodeLabel: nodeExporterNodeLabel,
            .refreshInterval: refreshInterval, .prometheusTimeout: prometheusTimeout, .prometheusMaxResponse: prometheusMaxResponse, .scrapeInterval: scrapeInterval,
            .pushInterval: pushInterval, .fleetInterval: fleetInterval, .cacheTTL: cacheTTL, .migrations: migrations,
            .publicDirectory: publicDirectory, .logLevel: logLevel, .logFormat: logFormat, .corsOrigin: corsOrigin, .idleTimeout: idleTimeout, .shutdownGrace: shutdownGrace, .auth: auth, .authTokenFile: authTokenFile, .jwtSecretFile: jwtSecretFile,
            .passThroughAllow: passThroughAllow, .gpuHot: gpuHot, .boardHot: boardHot, .ledgerRetention: ledgerRetention,
            .ledgerGoneAfter: ledgerGoneAfter,
        ]
        return given.compactMapValues { $0 }
    }

    func run() async throws {
        let configuration: ServeConfiguration
        do {
            configuration = try ServeConfiguration.resolve(flags: flags, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        configuration.logFormat.bootstrap(level: configuration.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "ks-edge-gpu")
        logger.info("starting", metadata: [
            "prometheus": "\(configuration.prometheusURL.absoluteString)", "database": "\(configuration.databasePath)",
            "scrapeInterval": "\(DurationText.format(configuration.scrapeInterval))",
        ])
        FreedMemory.keepLargeAllocationsApart()
        do {
            let app = try await buildApplication(configuration, metricsRegistry: registry, logger: logger)
            try await app.runUntilSignalled(shutdownGrace: configuration.shutdownGrace, logger: logger)
        } catch let error as Inventory.MigrationsNotFound {
            logger.critical("\(error)")
            throw ExitCode.failure
        } catch let error as StartupError {
            logger.critical("\(error)")
            throw ExitCode.failure
        } catch let error as DatabaseProblem {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
    }
}

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the fleet's Prometheus recording rules (or, with --dcgm-compat, dcgm-exporter's families for every other GPU; with --alerts, an alert per problem).",
        discussion: """
            Load the plain rule file with Prometheus' rule_files (evaluation_interval = the scrape interval), or apply the \
            PrometheusRule where the Prometheus operator runs (KubeSphere). serve reads the recorded series when the \
            rules of its own configuration are loaded, and aggregates in each refresh otherwise, so give the same node \
            labels here as to serve (flags or environment). deploy/prometheus/ holds both files for the defaults.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case plain, prometheusRule = "prometheus-rule", clusterRuleGroup = "cluster-rule-group"
    }

    @Option(help: "plain (a rule file), prometheus-rule (a PrometheusRule object) or, with --alerts, cluster-rule-group (KubeSphere's ClusterRuleGroup)")
    var format: Format = .plain
    @Flag(help: """
        Print instead the rules that record dcgm-exporter's GPU families for Jetson boards and nvidia_gpu_exporter servers \
        (labelled ks_edge_gpu_source), which KubeSphere's GPU charts and NVIDIA's Grafana dashboards read
        """)
    var dcgmCompat = false
    @Flag(help: """
        Print instead an alerting rule per problem ks-edge-gpu reports at warning or critical (README, Health),         labelled node, code and severity, with the temperatures of --gpu-hot and --board-hot
        """)
    var alerts = false
    @Option(name: .customLong(ServeSetting.gpuHot.flag), help: .init(ServeSetting.gpuHot.help)) var gpuHot: String?
    @Option(name: .customLong(ServeSetting.boardHot.flag), help: .init(ServeSetting.boardHot.help)) var boardHot: String?
    @Option(help: "Namespace of the PrometheusRule (KubeSphere's Prometheus is in kubesphere-monitoring-system)")
    var namespace = "kubesphere-monitoring-system"
    @Option(help: "How often the rules are evaluated: the scrape interval (default: plain files follow evaluation_interval; a PrometheusRule uses 1m)")
    var interval: String?
    @Option(name: .customLong(ServeSetting.nodeLabel.flag), help: .init(ServeSetting.nodeLabel.help)) var nodeLabel: String?
    @Option(name: .customLong(ServeSetting.dcgmNodeLabel.flag), help: .init(ServeSetting.dcgmNodeLabel.help)) var dcgmNodeLabel: String?
    @Option(name: .customLong(ServeSetting.nvidiaSMINodeLabel.flag), help: .init(ServeSetting.nvidiaSMINodeLabel.help))
    var nvidiaSMINodeLabel: String?
    @Option(name: .customLong(ServeSetting.nodeExporterNodeLabel.flag), help: .init(ServeSetting.nodeExporterNodeLabel.help))
    var nodeExporterNodeLabel: String?

    func validate() throws {
        if let interval {
            do { _ = try DurationText.parse(interval) } catch { throw ValidationError("--interval: \(error)") }
        }
        guard !(alerts && dcgmCompat) else { throw ValidationError("--alerts and --dcgm-compat print different rules: give one") }
        guard format != .clusterRuleGroup || alerts else { throw ValidationError("--format cluster-rule-group is for --alerts only") }
    }

    func run() throws {
        let given: [ServeSetting: String?] = [
            .nodeLabel: nodeLabel, .dcgmNodeLabel: dcgmNodeLabel, .nvidiaSMINodeLabel: nvidiaSMINodeLabel, .nodeExporterNodeLabel: nodeExporterNodeLabel,
            .gpuHot: gpuHot, .boardHot: boardHot,
        ]
        let settings = [ServeSetting.nodeLabel, .dcgmNodeLabel, .nvidiaSMINodeLabel, .nodeExporterNodeLabel, .gpuHot, .boardHot]
        // Only the settings the rules depend on are read from the environment.
        let environment = ProcessInfo.processInfo.environment.filter { name, _ in settings.contains { $0.variable == name } }
        let configuration: ServeConfiguration
        do {
            configuration = try ServeConfiguration.resolve(flags: given.compactMapValues { $0 }, environment: environment)
        } catch {
            throw ValidationError(error.description)
        }
        // Written in Prometheus' own duration form, whatever form it was given in (checked in validate()).
        let evaluation = try interval.map { DurationText.format(try DurationText.parse($0)) }
        if alerts {
            let rules = AlertingRules(queries: configuration.queries, thresholds: configuration.thresholds)
            switch format {
            case .plain: print(rules.ruleFile(interval: evaluation), terminator: "")
            case .prometheusRule: print(rules.prometheusRule(namespace: namespace, interval: evaluation ?? "1m"), terminator: "")
            case .clusterRuleGroup: print(rules.clusterRuleGroup(interval: evaluation ?? "1m"), terminator: "")
            }
            return
        }
        if dcgmCompat {
            let rules = DCGMCompatibleRules(queries: configuration.queries)
            switch format {
            case .plain: print(rules.ruleFile(interval: evaluation), terminator: "")
            case .prometheusRule, .clusterRuleGroup: print(rules.prometheusRule(namespace: namespace, interval: evaluation ?? "1m"), terminator: "")
            }
            return
        }
        let rules = FleetRecordingRules(queries: configuration.queries)
        switch format {
        case .plain: print(rules.ruleFile(interval: evaluation), terminator: "")
        case .prometheusRule, .clusterRuleGroup: print(rules.prometheusRule(namespace: namespace, interval: evaluation ?? "1m"), terminator: "")
        }
    }
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a simulated fleet of GPU exporters for Prometheus to scrape.",
        discussion: """
            Jetson boards cycle through Xavier NX, AGX Orin (seed collector) and Orin Nano (variant); dcgm nodes are \
            servers with two A100s (one used by a pod), nvidia-smi nodes servers with one L40S. Values move over time. GET /targets lists every node in Prometheus http_sd format; GET /nodes/<node>/metrics is a node's page.
            POST /nodes/<node>/upgrade moves a board to its next JetPack (a server to its next driver); POST /nodes/<node>/swap \
            puts another board under the node's name (a new serial; on a server, GPU 1 replaced).
            """)

    @Option(help: "Address to listen on") var host = "127.0.0.1"
    @Option(help: "Port to listen on") var port = 9100
    @Option(help: "Number of simulated nodes") var boards = 3
    @Option(help: "Exporters of the simulated nodes with weights: jetson, dcgm, nvidia-smi (e.g. jetson=3,dcgm=1,nvidia-smi=1)")
    var mix = "jetson"
    @Option(name: .customLong("fixture"), help: "Also serve a captured exporter page verbatim as a node: NODE=FILE (repeatable)")
    var fixtures: [String] = []
    @Option(help: "host:port Prometheus should scrape (default: host:port)") var advertise: String?
    @Flag(inversion: .prefixedNo, help: "Also serve each board's node-exporter page (/nodes/<node>/node-exporter/metrics) as a second target")
    var nodeExporter = true
    @Option(help: "Pushgateway base URL: the last --push-boards boards push their pages there instead of being scraped")
    var push: String?
    @Option(help: "How many boards push (with --push)") var pushBoards = 2
    @Option(help: "How often pushing boards push (with --push)") var pushInterval = "10s"
    @Option(help: "When the first pushing board stops pushing, as one that lost its link (with --push)") var stopPushingAfter = "60s"
    @Option(name: .customLong("outage"), help: "A board's link goes down for a while: NODE:AFTER:LASTING, e.g. edge-orin-nano-03:2m:30s (repeatable); its pages fail to scrape meanwhile")
    var outages: [String] = []
    @Flag(help: "Faults come and go on every board, two minutes in every ten: a Jetson at 99.5 °C, a dcgm-exporter server throttling for heat with an XID, an nvidia_gpu_exporter server throttling")
    var faults = false
    @Option(help: "Every this often one more board is upgraded or swapped, upgrades and swaps taking turns (e.g. 2m), so the board ledger shows changes")
    var changesEvery: String?
    @Option(help: "Boards per scrape target: above 1, boards are served in racks listed at /rack-targets, each sample labelled with its node as instance (scrape them with honor_labels: true), so a large fleet needs few connections")
    var nodesPerTarget = 1

    func validate() throws {
        guard SimulatedBoard.parseMix(mix) != nil else {
            throw ValidationError("--mix \(mix): expected exporters jetson, dcgm, nvidia-smi with optional weights, e.g. jetson=3,dcgm=1")
        }
        guard boards >= 0, boards <= 100_000 else { throw ValidationError("--boards must be between 0 and 100000") }
        if let push {
            guard let url = URL(string: push), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--push \(push): expected the Pushgateway's http(s) URL")
            }
        }
        guard pushBoards >= 0 else { throw ValidationError("--push-boards must not be negative") }
        guard (1...10_000).contains(nodesPerTarget) else { throw ValidationError("--nodes-per-target must be between 1 and 10000") }
        if let changesEvery {
            do {
                guard try DurationText.parse(changesEvery) >= .seconds(1) else { throw ValidationError("--changes-every must be at least 1s") }
            } catch let error as DurationText.Invalid { throw ValidationError("--changes-every \(changesEvery): \(error)") }
        }
        for (flag, text) in [("--push-interval", pushInterval), ("--stop-pushing-after", stopPushingAfter)] {
            do { _ = try DurationText.parse(text) } catch { throw ValidationError("\(flag) \(text): \(error)") }
        }
        for outage in outages {
            do { _ = try Outage.parse(outage, duration: DurationText.parse) } catch { throw ValidationError("--outage \(error)") }
        }
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
        configuration.nodeExporter = nodeExporter
        configuration.pushGateway = push.flatMap(URL.init(string:))
        configuration.pushBoards = pushBoards
        configuration.pushInterval = try DurationText.parse(pushInterval)
        configuration.stopPushingAfter = try DurationText.parse(stopPushingAfter)
        configuration.outages = try outages.map { try Outage.parse($0, duration: DurationText.parse) }
        configuration.faults = faults
        configuration.changesEvery = try changesEvery.map { try DurationText.parse($0) }
        configuration.nodesPerTarget = nodesPerTarget
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
