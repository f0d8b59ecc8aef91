import Configuration
import Foundation
import Logging

/// Everything `serve` needs. The defaults are the values below; `ServeSetting.all` says how each is given.
public struct ServeConfiguration: Sendable {
    public var prometheusURL = URL(string: "http://127.0.0.1:9090")!
    public var host = "0.0.0.0"
    public var port = 8080
    public var databasePath = "./data/ks-edge-gpu.sqlite"
    /// The node label of every exporter without one of its own; nil: each exporter's default (`instance`).
    public var nodeLabel: LabelName?
    /// Per-exporter node labels where they differ.
    public var exporterNodeLabels: [ExporterKind: LabelName] = [:]
    /// The node label of node-exporter's series.
    public var nodeExporterNodeLabel = LabelName.instance
    public var refreshInterval: Duration = .seconds(30)
    /// How long ledger events are kept.
    public var ledgerRetention: Duration = .seconds(365 * 86_400)
    /// How long a board may send no series before it is `gone`; also how far back a change's first sample is searched.
    public var ledgerGoneAfter: Duration = .seconds(86_400)
    /// The whole deadline of one Prometheus call, connect included.
    public var prometheusTimeout: Duration = .seconds(10)
    /// Largest Prometheus answer read into memory; a larger one is cut off and the call fails.
    public var prometheusMaxResponse = 64 << 20
    /// The ServiceMonitor's scrape interval; decides `online` vs `stale`.
    public var scrapeInterval: Duration = .seconds(60)
    /// How often edge nodes behind a Pushgateway push; a node whose last push is 3 intervals old is `stale`.
    public var pushInterval: Duration = .seconds(60)
    /// How often the fleet index is rebuilt; nil: once per scrape interval, when new data can have arrived.
    public var fleetInterval: Duration?
    /// The fleet index's refresh interval in effect.
    public var effectiveFleetInterval: Duration { fleetInterval ?? scrapeInterval }
    /// How long answers are reused (0 = only coalesce concurrent requests); the console refreshes every 5s.
    public var cacheTTL: Duration = .seconds(5)
    /// Nil: the migrations built into the binary. A folder overrides them (development).
    public var migrationsDirectory: String?
    /// Nil: the operator page built into the binary. A folder overrides it (development).
    public var publicDirectory: String?
    public var logLevel: Logger.Level = .info
    /// The one other origin whose pages may call the API from a browser (a console on another host); nil: none (CORS off).
    public var corsOrigin: String?
    /// How long a connection may sit without a request in progress, or take to send one, before it is closed.
    public var idleTimeout: Duration = .seconds(60)
    public var shutdownGrace: Duration = .seconds(10)
    /// When a temperature is a problem.
    public var thresholds = ProblemThresholds.standard
    /// Log lines as text for people, or one JSON object per line for a log pipeline.
    public var logFormat: LogFormat = .text
    /// Who may read the data routes.
    public var auth: AuthMode = .none
    /// `--auth token`: the file holding the one bearer token.
    public var authTokenFile: String?
    /// `--auth kubesphere`: the file holding KubeSphere's `authentication.issuer.jwtSecret`.
    public var jwtSecretFile: String?
    /// Metric-name patterns the Prometheus pass-through serves: the GPU exporters' families and `up`.
    public var passThroughAllow = ["gpu_.*", "DCGM_.*", "nvidia_smi_.*", "up"]

    public init() {}

    /// Every query `serve` sends, built from the node labels and intervals here; `rules` prints the recording rules
    /// of the same queries.
    public var queries: GPUQueries {
        let exporters = ExporterRegistry.standard
        let nodeLabels = NodeLabels(exporters, common: nodeLabel, overrides: exporterNodeLabels, nodeExporter: nodeExporterNodeLabel)
        return GPUQueries(exporters: exporters, nodeLabels: nodeLabels, scrapeInterval: scrapeInterval, pushInterval: pushInterval)
    }

    public enum AuthMode: String, CaseIterable, Sendable {
        /// Everyone may read (the demo's default).
        case none
        /// One static bearer token (`--auth-token-file`).
        case token
        /// KubeSphere's own tokens, checked against its JWT secret (`--jwt-secret-file`).
        case kubesphere
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Flags win over the environment, which wins over the defaults; an invalid value is an error naming the flag or
    /// variable it came from, never ignored.
    public static func resolve(flags: [ServeSetting: String], environment: [String: String]) throws(Invalid) -> ServeConfiguration {
        let given = Dictionary(flags.map { (AbsoluteConfigKey(ConfigKey($0.key.key)), ConfigValue(.string($0.value), isSecret: false)) },
                               uniquingKeysWith: { _, last in last })
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: given),
            EnvironmentVariablesProvider(environmentVariables: environment),
        ])
        var configuration = ServeConfiguration()
        for setting in ServeSetting.all {
            guard let text = reader.string(forKey: ConfigKey(setting.key)) else { continue }
            if let problem = setting.apply(&configuration, text) {
                let source = flags[setting] != nil ? "--\(setting.flag)" : setting.variable
                throw Invalid(description: "\(source): \(problem)")
            }
        }
        if configuration.auth == .token, configuration.authTokenFile == nil {
            throw Invalid(description: "--auth token needs --\(ServeSetting.authTokenFile.flag) (\(ServeSetting.authTokenFile.variable))")
        }
        if configuration.auth == .kubesphere, configuration.jwtSecretFile == nil {
            throw Invalid(description: "--auth kubesphere needs --\(ServeSetting.jwtSecretFile.flag) (\(ServeSetting.jwtSecretFile.variable))")
        }
        return configuration
    }
}
