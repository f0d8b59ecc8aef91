import Foundation

/// `GET /ready`: whether the server takes requests, and when Prometheus last answered.
public struct ReadyStatus: Codable, Sendable, Equatable {
    /// `ready` once the server listens, `starting` before.
    public var status: String
    /// Always `applied`: the server is built only after the migrations ran.
    public var migrations: String
    public var listening: Bool
    /// Null until the first successful Prometheus call.
    @Nullable public var lastPrometheusContact: Date?

    public init(listening: Bool, lastPrometheusContact: Date?) {
        status = listening ? "ready" : "starting"
        migrations = "applied"
        self.listening = listening
        self.lastPrometheusContact = lastPrometheusContact
    }
}
