import Foundation
import Logging

/// Everything `serve` needs, with its defaults in one place. Built from flags, then the environment, then defaults.
public struct ServeConfiguration: Sendable {
    public var prometheusURL: String = "http://127.0.0.1:9090"
    public var host: String = "0.0.0.0"
    public var port: Int = 8080
    public var databasePath: String = "./data/ks-edge-gpu.sqlite"
    public var nodeLabel: LabelName = .instance
    /// Per-exporter node labels where they differ from `nodeLabel`.
    public var exporterNodeLabels: [ExporterKind: LabelName] = [:]
    public var refreshInterval: Duration = .seconds(30)
    /// The whole deadline of one Prometheus call, connect included.
    public var prometheusTimeout: Duration = .seconds(10)
    /// The ServiceMonitor's scrape interval; decides `online` vs `stale`.
    public var scrapeInterval: Duration = .seconds(60)
    /// How long answers are reused (0 = only coalesce concurrent requests); the console refreshes every 5s.
    public var cacheTTL: Duration = .seconds(5)
    public var migrationsDirectory: String = "migrations"
    public var publicDirectory: String = "Public"
    public var logLevel: Logger.Level = .info

    public init() {}

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// One setting as given on the command line (`flag`) or in the environment (`variable`).
    public struct Setting {
        let flag: String
        let variable: String
        let value: String?
        let environment: [String: String]

        var given: (text: String, source: String)? {
            if let value { return (value, "--\(flag)") }
            if let value = environment[variable] { return (value, variable) }
            return nil
        }
    }

    /// Flags win over the environment; an invalid value is an error naming where it came from, never ignored.
    public static func resolve(flags: [String: String?], environment: [String: String]) throws(Invalid) -> ServeConfiguration {
        var configuration = ServeConfiguration()
        func setting(_ flag: String, _ variable: String) -> (text: String, source: String)? {
            Setting(flag: flag, variable: variable, value: flags[flag] ?? nil, environment: environment).given
        }
        func duration(_ flag: String, _ variable: String, minimum: Duration) throws(Invalid) -> Duration? {
            guard let (text, source) = setting(flag, variable) else { return nil }
            let value: Duration
            do { value = try DurationText.parse(text) } catch { throw Invalid(description: "\(source): \(error)") }
            guard value >= minimum else { throw Invalid(description: "\(source): must be at least \(DurationText.format(minimum))") }
            return value
        }

        if let (text, source) = setting("prometheus-url", "PROMETHEUS_URL") {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw Invalid(description: "\(source): '\(text)' is not an http(s) URL")
            }
            configuration.prometheusURL = text
        }
        if let (text, _) = setting("host", "HOST") { configuration.host = text }
        if let (text, source) = setting("port", "PORT") {
            guard let port = Int(text), (0...65535).contains(port) else { throw Invalid(description: "\(source): '\(text)' is not a port (0-65535)") }
            configuration.port = port
        }
        if let (text, _) = setting("database", "DATABASE_PATH") { configuration.databasePath = text }
        if let (text, source) = setting("node-label", "NODE_LABEL") {
            guard let label = LabelName(text) else { throw Invalid(description: "\(source): '\(text)' is not a Prometheus label name") }
            configuration.nodeLabel = label
        }
        for (exporter, flag, variable) in [(ExporterKind.dcgm, "dcgm-node-label", "DCGM_NODE_LABEL"),
                                           (.nvidiaSMI, "nvidia-smi-node-label", "NVIDIA_SMI_NODE_LABEL")] {
            guard let (text, source) = setting(flag, variable) else { continue }
            guard let label = LabelName(text) else { throw Invalid(description: "\(source): '\(text)' is not a Prometheus label name") }
            configuration.exporterNodeLabels[exporter] = label
        }
        if let value = try duration("refresh-interval", "REFRESH_INTERVAL", minimum: .seconds(1)) { configuration.refreshInterval = value }
        if let value = try duration("prometheus-timeout", "PROMETHEUS_TIMEOUT", minimum: .milliseconds(100)) { configuration.prometheusTimeout = value }
        if let value = try duration("scrape-interval", "SCRAPE_INTERVAL", minimum: .seconds(1)) { configuration.scrapeInterval = value }
        if let value = try duration("cache-ttl", "CACHE_TTL", minimum: .zero) { configuration.cacheTTL = value }
        if let (text, _) = setting("migrations", "MIGRATIONS_DIR") { configuration.migrationsDirectory = text }
        if let (text, _) = setting("public", "PUBLIC_DIR") { configuration.publicDirectory = text }
        if let (text, source) = setting("log-level", "LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw Invalid(description: "\(source): '\(text)' is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.logLevel = level
        }
        return configuration
    }
}
