import Logging

/// The client request a piece of work is done for, so its id follows the work: into every log line (through the
/// logging system's metadata provider) and onto the Prometheus queries it sends (`X-Request-ID`).
public enum RequestTrace {
    /// The current request's id; nil for background work (inventory refresh, live feeds).
    @TaskLocal public static var id: String?

    /// The log metadata key, the one Hummingbird uses for its own lines of the request.
    public static let metadataKey = "hb.request.id"

    /// Adds the current request's id to every log line, whichever logger writes it.
    public static let metadataProvider = Logger.MetadataProvider {
        id.map { [metadataKey: .string($0)] } ?? [:]
    }

    /// Whether an incoming `X-Request-ID` is kept: 1 to 128 characters from the letters, digits and `-._~:/+=`,
    /// so it cannot break a log line or a header.
    public static func isValid(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "/"),
                 UInt8(ascii: "+"), UInt8(ascii: "="):
                true
            default:
                false
            }
        }
    }
}
