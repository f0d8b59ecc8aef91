import Logging
import Synchronization
@testable import KsEdgeGPU

/// A logger whose messages a test can read back.
final class CapturedLogs: Sendable {
    private let entries = Mutex<[Entry]>([])

    /// A line as the process's handler would write it: its metadata includes the current request's id.
    struct Entry {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    var all: [Entry] { entries.withLock { $0 } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(logs: self) }
    }

    func messages(atLeast level: Logger.Level) -> [String] {
        entries.withLock { $0.filter { $0.level >= level }.map(\.message) }
    }

    struct Handler: LogHandler {
        let logs: CapturedLogs
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = RequestTrace.metadataProvider.get()
            merged.merge(metadata) { _, own in own }
            merged.merge(event.metadata ?? [:]) { _, given in given }
            logs.entries.withLock { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: merged)) }
        }
    }
}
