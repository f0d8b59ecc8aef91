import Testing

/// swift-property-based 2.0.1 drops an error thrown by a property's body (its issue scope is called with `try?`), so a
/// failing `try` inside a property passed it. Every property's body goes through this, which records the error as an
/// issue, as a throw outside a property fails its test.
func failingOnThrow<each Value>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: @escaping (repeat each Value) async throws -> Void
) -> (repeat each Value) async -> Void {
    { (value: repeat each Value) in
        do { try await body(repeat each value) } catch { Issue.record(error, sourceLocation: sourceLocation) }
    }
}
