/// Races `operation` against `limit`; the loser is cancelled. Past the limit it throws `UpstreamError.timeout` giving
/// `reporting` (the configured deadline, when `limit` is what is left of it).
func withUpstreamDeadline<T: Sendable>(_ limit: Duration, reporting: Duration? = nil,
                                       _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    guard limit > .zero else { throw UpstreamError.timeout(seconds: (reporting ?? limit).secondsValue) }
    return try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw UpstreamError.timeout(seconds: (reporting ?? limit).secondsValue)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
