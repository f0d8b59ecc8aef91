import Foundation
import Hummingbird

/// `/health`: the process answers. `/ready`: migrations ran, the server listens and the fleet index's first refresh
/// has finished; tells when Prometheus last answered and how old the fleet index is.
struct HealthController {
    let readiness: Readiness
    let contact: UpstreamContact
    /// Whether the fleet index's first refresh has finished, and its state now.
    let fleetIndex: @Sendable (_ now: Date) -> (attempted: Bool, state: FleetIndexState?)
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<some RequestContext>) {
        // Encoded once: the answer never changes. (Encoding a fixed dictionary of strings cannot fail.)
        let alive = try! EncodedJSON(value: ["status": "ok"])
        router.get("health") { _, _ in Response.json(alive) }
        router.get("ready") { _, _ in
            // The router exists only after migrations ran, so they are applied by construction.
            let index = fleetIndex(now())
            let ready = ReadyStatus(listening: readiness.isListening, fleetIndexAttempted: index.attempted,
                                    lastPrometheusContact: contact.lastSuccess, fleetIndex: index.state)
            return try Response.json(ready, status: ready.isReady ? .ok : .serviceUnavailable)
        }
    }
}
