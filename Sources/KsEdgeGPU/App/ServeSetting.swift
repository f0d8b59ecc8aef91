import Foundation
import Logging

/// One setting of `serve`, declared once: its key (which names the environment variable, `prometheus.url` ->
/// `PROMETHEUS_URL`), its flag, its help, and how its text is read. `--help` and `ServeConfiguration.resolve` both
/// come from these declarations, and the help shows the default from `ServeConfiguration()` itself.
public struct ServeSetting: Sendable, Hashable {
    public let key: String
    public let flag: String
    let summary: String
    let defaultText: @Sendable (ServeConfiguration) -> String
    /// Parses `text` into the configuration; returns the problem when it is invalid.
    let apply: @Sendable (inout ServeConfiguration, String) -> String?

    /// The environment variable, as swift-configuration derives it from the key.
    public var variable: String { key.uppercased().replacingOccurrences(of: ".", with: "_") }

    public var help: String { "\(summary) [\(variable)] (default: \(defaultText(ServeConfiguration())))" }

    public static func == (lhs: ServeSetting, rhs: ServeSetting) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// Every setting, in the order `--help` lists them.
    public static let all: [ServeSetting] = [
        prometheusURL, host, port, database, nodeLabel, dcgmNodeLabel, nvidiaSMINodeLabel, nodeExporterNodeLabel, refreshInterval,
        prometheusTimeout, prometheusMaxResponse, scrapeInterval, pushInterval, fleetInterval, cacheTTL, migrations, publicDirectory, logLevel, logFormat, corsOrigin, idleTimeout, shutdownGrace, auth, authTokenFile, jwtSecretFile,
        passThroughAllow, gpuHot, boardHot, ledgerRetention, ledgerGoneAfter,
    ]

    public static let prometheusURL = setting("prometheus.url", "prometheus-url", "Prometheus base URL", \.prometheusURL,
                                              show: { $0.absoluteString }) { text in
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            return .failure("'\(text)' is not an http(s) URL")
        }
        return .success(url)
    }
    public static let host = setting("host", "host", "Address to listen on", \.host, show: { $0 }) { .success($0) }
    public static let port = setting("port", "port", "Port to listen on", \.port, show: { "\($0)" }) { text in
        guard let port = Int(text), (0...65535).contains(port) else { return .failure("'\(text)' is not a port (0-65535)") }
        return .success(port)
    }
    public static let database = setting("database.path", "database", "SQLite file; its directory is created", \.databasePath,
                                         show: { $0 }) { .success($0) }
    public static let nodeLabel = setting("node.label", "node-label", "Label that names the Kubernetes node, for every exporter",
                                          \.nodeLabel, show: { $0?.rawValue ?? "each exporter's own, instance" }) { text in
        label(text).map { Optional($0) }
    }
    public static let dcgmNodeLabel = exporterLabel(.dcgm, "dcgm.node.label", "dcgm-node-label", "Node label of dcgm-exporter series, e.g. Hostname")
    public static let nvidiaSMINodeLabel = exporterLabel(.nvidiaSMI, "nvidia.smi.node.label", "nvidia-smi-node-label",
                                                         "Node label of nvidia_gpu_exporter series")
    public static let nodeExporterNodeLabel = setting("node.exporter.node.label", "node-exporter-node-label",
                                                      "Node label of node-exporter series, joined into each GPU node's snapshot",
                                                      \.nodeExporterNodeLabel, show: { $0.rawValue }) { label($0) }
    public static let refreshInterval = duration("refresh.interval", "refresh-interval", "How often the board inventory is refreshed",
                                                 \.refreshInterval, minimum: .seconds(1))
    public static let prometheusTimeout = duration("prometheus.timeout", "prometheus-timeout",
                                                   "Whole deadline of one Prometheus call, connect included", \.prometheusTimeout,
                                                   minimum: .milliseconds(100))
    public static let prometheusMaxResponse = setting("prometheus.max.response", "prometheus-max-response",
                                                      "Largest Prometheus answer read; a larger one is cut off (e.g. 64MiB)",
                                                      \.prometheusMaxResponse, show: ByteSizeText.format) { text in
        guard let bytes = ByteSizeText.parse(text) else { return .failure("'\(text)' is not a size (examples: 64MiB, 512KiB, 1GiB)") }
        guard bytes >= 1 << 10 else { return .failure("must be at least 1KiB") }
        return .success(bytes)
    }
    public static let scrapeInterval = duration("scrape.interval", "scrape-interval", "The ServiceMonitor's scrape interval; decides online vs stale, and counters' rates",
                                                \.scrapeInterval, minimum: .seconds(1))
    public static let pushInterval = duration("push.interval", "push-interval",
                                              "How often nodes behind a Pushgateway push; decides online vs stale for them, and their counters' rates",
                                              \.pushInterval, minimum: .seconds(1))
    public static let fleetInterval = setting("fleet.interval", "fleet-interval",
                                              "How often the fleet index that answers /edge/nodes and /edge/summary is rebuilt from Prometheus",
                                              \.fleetInterval, show: { $0.map(DurationText.format) ?? "--scrape-interval" }) { text in
        parseDuration(text, minimum: .milliseconds(100)).map { Optional($0) }
    }
    public static let cacheTTL = duration("cache.ttl", "cache-ttl", "How long answers are reused; concurrent requests always share one query",
                                          \.cacheTTL, minimum: .zero)
    public static let migrations = setting("migrations.dir", "migrations", "Folder of *.sql migrations to use instead of the built-in ones",
                                           \.migrationsDirectory, show: { $0 ?? "built in" }) { .success($0) }
    public static let publicDirectory = setting("public.dir", "public", "Folder of the operator page to serve instead of the built-in one",
                                                \.publicDirectory, show: { $0 ?? "built in" }) { .success($0) }
    public static let logLevel = setting("log.level", "log-level", Logger.Level.allCases.map(\.rawValue).joined(separator: ", "),
                                         \.logLevel, show: { $0.rawValue }) { text in
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            return .failure("'\(text)' is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return .success(level)
    }

    public static let logFormat = setting("log.format", "log-format", "Log lines as text, or json (one object per line)", \.logFormat,
                                          show: { $0.rawValue }) { text in
        guard let format = LogFormat(rawValue: text.lowercased()) else {
            return .failure("'\(text)' is not one of \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return .success(format)
    }

    public static let corsOrigin = setting("cors.origin", "cors-origin",
                                           "The one other origin allowed to call the API from a browser, e.g. https://console.example.com",
                                           \.corsOrigin, show: { $0 ?? "none (CORS off)" }) { text in
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
              url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil else {
            return .failure("'\(text.prefix(200))' is not an origin (scheme://host[:port], e.g. https://console.example.com)")
        }
        return .success(text)
    }
    public static let idleTimeout = duration("idle.timeout", "idle-timeout",
                                             "How long a connection may idle, or take to send its request, before it is closed",
                                             \.idleTimeout, minimum: .seconds(1))
    public static let shutdownGrace = duration("shutdown.grace", "shutdown-grace",
                                               "On SIGTERM, how long requests in flight may take to finish before they are cut off",
                                               \.shutdownGrace, minimum: .zero)

    public static let auth = setting("auth.mode", "auth", "Who may read the data routes: none, token or kubesphere", \.auth,
                                     show: { $0.rawValue }) { text in
        guard let mode = ServeConfiguration.AuthMode(rawValue: text.lowercased()) else {
            return .failure("'\(text)' is not one of \(ServeConfiguration.AuthMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return .success(mode)
    }
    public static let authTokenFile = setting("auth.token.file", "auth-token-file", "File holding the bearer token of --auth token",
                                              \.authTokenFile, show: { $0 ?? "none" }) { .success($0) }
    public static let jwtSecretFile = setting("jwt.secret.file", "jwt-secret-file",
                                              "File holding KubeSphere's JWT secret (authentication.issuer.jwtSecret) for --auth kubesphere",
                                              \.jwtSecretFile, show: { $0 ?? "none" }) { .success($0) }

    public static let passThroughAllow = setting("passthrough.allow", "passthrough-allow",
                                                 "Metric-name patterns (regular expressions, comma-separated) /api/v1 may query",
                                                 \.passThroughAllow, show: { $0.joined(separator: ",") }) { text in
        let patterns = text.split(separator: ",").map { String($0.trimmingWhitespace()) }.filter { !$0.isEmpty }
        for pattern in patterns where (try? Regex(pattern)) == nil { return .failure("'\(pattern.prefix(100))' is not a regular expression") }
        return .success(patterns)
    }

    public static let ledgerRetention = duration("ledger.retention", "ledger-retention",
                                                 "How long the board ledger keeps events; older ones are pruned in small batches",
                                                 \.ledgerRetention, minimum: .seconds(3600))
    public static let ledgerGoneAfter = duration("ledger.gone.after", "ledger-gone-after",
                                                 "How long a board may send no series before the ledger records it gone",
                                                 \.ledgerGoneAfter, minimum: .seconds(60))
    public static let gpuHot = temperatures("gpu.hot", "gpu-hot", "A discrete GPU's temperature, °C, from which it is a warning and a critical problem",
                                            \.thresholds.gpuHot)
    public static let boardHot = temperatures("board.hot", "board-hot", "Any Jetson sensor's temperature, °C, from which it is a warning and a critical problem",
                                              \.thresholds.boardHot)

    // MARK: Kinds of setting

    /// `WARNING,CRITICAL` in °C, the warning below the critical.
    static func temperatures(_ key: String, _ flag: String, _ summary: String,
                             _ path: WritableKeyPath<ServeConfiguration, TemperatureLimits> & Sendable) -> ServeSetting {
        setting(key, flag, summary + " (WARNING,CRITICAL)", path, show: { "\(Problems.formatted($0.warning)),\(Problems.formatted($0.critical))" }) { text in
            let parts = text.split(separator: ",").map { Double($0.trimmingWhitespace()) }
            guard parts.count == 2, let warning = parts[0], let critical = parts[1], (-50...200).contains(warning), (-50...200).contains(critical)
            else { return .failure("'\(text.prefix(100))' is not two temperatures WARNING,CRITICAL in °C, e.g. 85,95") }
            guard warning < critical else { return .failure("the warning (\(warning)) must be below the critical (\(critical))") }
            return .success(TemperatureLimits(warning: warning, critical: critical))
        }
    }

    struct Problem: Error, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
        let text: String
        init(stringLiteral value: String) { text = value }
        init(stringInterpolation: DefaultStringInterpolation) { text = String(stringInterpolation: stringInterpolation) }
    }

    static func setting<Value>(
        _ key: String, _ flag: String, _ summary: String, _ path: WritableKeyPath<ServeConfiguration, Value> & Sendable,
        show: @escaping @Sendable (Value) -> String, parse: @escaping @Sendable (String) -> Result<Value, Problem>
    ) -> ServeSetting {
        ServeSetting(key: key, flag: flag, summary: summary, defaultText: { show($0[keyPath: path]) }) { configuration, text in
            switch parse(text) {
            case .success(let value): configuration[keyPath: path] = value; return nil
            case .failure(let problem): return problem.text
            }
        }
    }

    static func duration(_ key: String, _ flag: String, _ summary: String, _ path: WritableKeyPath<ServeConfiguration, Duration> & Sendable,
                         minimum: Duration) -> ServeSetting {
        setting(key, flag, summary, path, show: DurationText.format) { parseDuration($0, minimum: minimum) }
    }

    static func parseDuration(_ text: String, minimum: Duration) -> Result<Duration, Problem> {
        let value: Duration
        do { value = try DurationText.parse(text) } catch { return .failure("\(error)") }
        guard value >= minimum else { return .failure("must be at least \(DurationText.format(minimum))") }
        return .success(value)
    }

    static func label(_ text: String) -> Result<LabelName, Problem> {
        LabelName(text).map { .success($0) } ?? .failure("'\(text)' is not a Prometheus label name")
    }

    static func exporterLabel(_ exporter: ExporterKind, _ key: String, _ flag: String, _ summary: String) -> ServeSetting {
        ServeSetting(key: key, flag: flag, summary: summary, defaultText: { _ in "--node-label" }) { configuration, text in
            switch label(text) {
            case .success(let label): configuration.exporterNodeLabels[exporter] = label; return nil
            case .failure(let problem): return problem.text
            }
        }
    }
}
