import Hummingbird

/// `/health`: the process answers. `/ready`: migrations ran and the server listens; tells when Prometheus last answered.
struct HealthController {
    let readiness: Readiness
    let contact: UpstreamContact

    func addRoutes(to router: Router<some RequestContext>) {
        // Encoded once: the answer never changes. (Encoding a fixed dictionary of strings cannot fail.)
        let alive = try! EncodedJSON(value: ["status": "ok"])
        router.get("health") { _, _ in Response.json(alive) }
        router.get("ready") { _, _ in
            // The router exists only after migrations ran, so they are applied by construction.
            let ready = ReadyStatus(listening: readiness.isListening, lastPrometheusContact: contact.lastSuccess)
            return try Response.json(ready, status: readiness.isListening ? .ok : .serviceUnavailable)
        }
    }
}
