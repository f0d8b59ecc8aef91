import Foundation
import Logging

/// How log lines are written to standard error.
public enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's text lines, for people.
    case text
    /// One JSON object per line, for a log pipeline (Loki, Elasticsearch, KubeSphere's logging).
    case json

    /// Installs the process-wide log handler: this format, `level`, and the current request's id on every line.
    public func bootstrap(level: Logger.Level) {
        let format = self
        LoggingSystem.bootstrap({ label, provider in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label, metadataProvider: provider)
            case .json: JSONLogHandler(label: label, metadataProvider: provider, write: JSONLogHandler.standardError)
            }
            handler.logLevel = level
            return handler
        }, metadataProvider: RequestTrace.metadataProvider)
    }
}
