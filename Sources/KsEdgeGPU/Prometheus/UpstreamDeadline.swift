/// Races `operation` against `limit`; the loser is cancelled. Past the limit it throws `UpstreamError.timeout`.
func withUpstreamDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw UpstreamError.timeout(seconds: limit.secondsValue)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
