import Foundation

/// Live snapshots for event streams. One loop per watched node, shared by all of that node's subscribers, asks the
/// snapshot service (and through its coalescing cache, Prometheus) about once per scrape interval: just after the next
/// scrape is due. It publishes a snapshot only when it is new: a newer `observedAt` or another status. The loop stops
/// when the node's last subscriber leaves, so a client that went away costs nothing afterwards.
public actor SnapshotFeeds<Source: MetricsSource, Store: InventoryStore> {
    let snapshots: NodeSnapshotService<Source, Store>
    let scrapeInterval: Duration
    let now: @Sendable () -> Date

    private struct Feed {
        var task: Task<Void, Never>?
        var subscribers: [UUID: AsyncStream<EncodedJSON<NodeGPU>>.Continuation] = [:]
        var last: EncodedJSON<NodeGPU>?
    }

    private var feeds: [String: Feed] = [:]
    /// The loop stopped last, which may still be finishing a poll; tests wait for it to end.
    private(set) var stoppedLoop: Task<Void, Never>?

    public init(snapshots: NodeSnapshotService<Source, Store>, scrapeInterval: Duration, now: @escaping @Sendable () -> Date = Date.init) {
        self.snapshots = snapshots
        self.scrapeInterval = scrapeInterval
        self.now = now
    }

    /// Nodes with a loop running, for tests and metrics.
    public var watchedNodes: [String] { feeds.keys.sorted() }

    /// The node's snapshots from now on, starting with `current`. Finishing the stream (or cancelling its reader)
    /// unsubscribes.
    public func subscribe(_ node: NodeName, current: EncodedJSON<NodeGPU>) -> AsyncStream<EncodedJSON<NodeGPU>> {
        let (stream, continuation) = AsyncStream.makeStream(of: EncodedJSON<NodeGPU>.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        var feed = feeds[node.rawValue] ?? Feed()
        if feed.last.map({ Self.isNewer(current, than: $0) }) ?? true { feed.last = current }
        continuation.yield(feed.last ?? current)
        feed.subscribers[id] = continuation
        if feed.task == nil {
            // The loop outlives the request that started it: it is nobody's request.
            feed.task = RequestTrace.$id.withValue(nil) { Task { [weak self] in await self?.poll(node) } }
        }
        feeds[node.rawValue] = feed
        continuation.onTermination = { [weak self] _ in Task { await self?.unsubscribe(node.rawValue, id) } }
        return stream
    }

    private func unsubscribe(_ node: String, _ id: UUID) {
        feeds[node]?.subscribers[id] = nil
        guard feeds[node]?.subscribers.isEmpty == true else { return }
        feeds[node]?.task?.cancel()
        stoppedLoop = feeds[node]?.task
        feeds[node] = nil
    }

    /// Asks for the node's snapshot just after its next scrape is due, and publishes what is new.
    private func poll(_ node: NodeName) async {
        while !Task.isCancelled {
            let delay = nextDelay(after: feeds[node.rawValue]?.last?.value)
            try? await Task.sleep(for: delay)
            if Task.isCancelled { return }
            // Failures (Prometheus down with nothing stored) are skipped: the stream keeps its last snapshot.
            if let snapshot = try? await snapshots.encodedSnapshot(node) { publish(node.rawValue, snapshot) }
        }
    }

    private func publish(_ node: String, _ snapshot: EncodedJSON<NodeGPU>) {
        guard var feed = feeds[node], feed.last.map({ Self.isNewer(snapshot, than: $0) }) ?? true else { return }
        feed.last = snapshot
        feeds[node] = feed
        for continuation in feed.subscribers.values { continuation.yield(snapshot) }
    }

    static func isNewer(_ snapshot: EncodedJSON<NodeGPU>, than last: EncodedJSON<NodeGPU>) -> Bool {
        snapshot.value.status != last.value.status || (snapshot.value.observedAt ?? .distantPast) > (last.value.observedAt ?? .distantPast)
    }

    /// One second after the next scrape is due (`observedAt` + the scrape interval), a sixth of the interval while a
    /// due scrape is late, and once per interval for a node that is not online; never less than a second.
    nonisolated func nextDelay(after last: NodeGPU?) -> Duration {
        let interval = scrapeInterval.secondsValue
        var seconds = interval
        if let last, last.status == .online, let observedAt = last.observedAt {
            let due = observedAt.timeIntervalSince(now()) + interval + 1
            seconds = due > 0 ? min(due, interval + 1) : interval / 6
        }
        return .milliseconds(Int(max(1, seconds) * 1000))
    }
}
