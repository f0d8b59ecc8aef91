import Foundation
import Logging
import Synchronization

/// One JSON object per log line: `time` (RFC 3339 with milliseconds, UTC), `level`, `logger`, `message`, then the
/// metadata's keys (the request id among them). A metadata key that would overwrite one of the four is kept under
/// `metadata.<key>`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadataProvider?.get() ?? [:]
        merged.merge(metadata) { _, own in own }
        merged.merge(event.metadata ?? [:]) { _, given in given }
        var object: [String: Any] = [
            "time": RFC3339.format(Date()), "level": event.level.rawValue, "logger": label, "message": "\(event.message)",
        ]
        for (key, value) in merged {
            object[object[key] == nil ? key : "metadata.\(key)"] = Self.json(value)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let entries): entries.mapValues(json)
        }
    }

    /// Whole lines to standard error, one write each, so lines of concurrent requests never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
    private static let lock = Mutex(())
}
