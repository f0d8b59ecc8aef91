import Foundation
import Hummingbird
import Synchronization

/// Whether the server is listening (set once it is), for `/ready`.
public final class Readiness: Sendable {
    private let listening = Atomic<Bool>(false)

    public init() {}

    public var isListening: Bool { listening.load(ordering: .acquiring) }
    public func markListening() { listening.store(true, ordering: .releasing) }
}

/// `/health`: the process answers. `/ready`: migrations ran and the server listens; tells when Prometheus last answered.
struct HealthController {
    let readiness: Readiness
    let contact: UpstreamContact

    struct Ready: Codable {
        var status: String
        var migrations: String
        var listening: Bool
        /// Null until the first successful Prometheus call.
        @Nullable var lastPrometheusContact: Date?
    }

    func addRoutes(to router: Router<some RequestContext>) {
        // Encoded once: the answer never changes. (Encoding a fixed dictionary of strings cannot fail.)
        let alive = try! EncodedJSON(value: ["status": "ok"])
        router.get("health") { _, _ in JSONResponse(alive) }
        router.get("ready") { _, _ in
            // The router exists only after migrations ran, so they are applied by construction.
            let ready = Ready(status: readiness.isListening ? "ready" : "starting", migrations: "applied",
                              listening: readiness.isListening, lastPrometheusContact: contact.lastSuccess)
            return try JSONResponse(ready, status: readiness.isListening ? .ok : .serviceUnavailable)
        }
    }
}
