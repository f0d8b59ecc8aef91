import Hummingbird
import Logging
import ServiceLifecycle

extension ApplicationProtocol {
    /// Runs until SIGTERM or SIGINT. Then the server stops accepting connections, open event streams end cleanly, and
    /// requests in flight have `shutdownGrace` to finish; whatever still runs after it is cancelled (their connections
    /// closed), with two seconds more to wind down. The HTTP client and the database are closed last.
    public func runUntilSignalled(shutdownGrace: Duration, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownGrace
        configuration.maximumCancellationDuration = .seconds(2)
        try await ServiceGroup(configuration: configuration).run()
        logger.info("stopped")
    }
}

/// Closes the inventory's database once everything that writes to it has stopped: it is first in the application's
/// services, so the ServiceGroup, which stops them in reverse order, stops it last.
struct InventoryCloser: Service {
    let inventory: Inventory
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try inventory.close()
            logger.info("closed the database")
        } catch {
            logger.warning("the database did not close cleanly; SQLite recovers it at the next start", metadata: ["error": "\(error)"])
        }
    }
}
