import Synchronization

/// Whether the server is listening (set once it is), for `/ready`.
public final class Readiness: Sendable {
    private let listening = Atomic<Bool>(false)

    public init() {}

    public var isListening: Bool { listening.load(ordering: .acquiring) }
    public func markListening() { listening.store(true, ordering: .releasing) }
}
