import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Keeps the fleet index: rebuilt in the background once per `interval` (one refresh at a time, whatever asks), and
/// read by every fleet request, which never waits on Prometheus once the first index exists. Until then a request
/// waits for the first refresh, which Prometheus' deadline (`--prometheus-timeout`) bounds.
public final class FleetIndexService<Source: MetricsSource, Store: InventoryStore>: Service, Sendable {
    let fleet: FleetService<Source, Store>
    let interval: Duration
    private let state = Mutex<State>(State())

    private struct State {
        var current: FleetIndex?
        /// The refresh in progress, which every caller joins.
        var refresh: Task<Result<FleetIndex, any Error>, Never>?
        /// A refresh has finished (made an index or failed): requests no longer wait for the first one.
        var attempted = false
        /// A snapshot saw a node's status differ from its row: the next refresh is due now, not at the interval.
        var nudged = false
        /// A request is restating the index: the others answer from the current one meanwhile.
        var restating = false
    }

    /// How often the loop looks whether it was nudged, and the least time between two refreshes it starts.
    static var nudgeCheck: Duration { .milliseconds(250) }
    static var leastGap: Duration { .seconds(1) }

    private let refreshTime = Timer(label: "ks_edge_gpu_fleet_index_refresh_seconds", preferredDisplayUnit: .seconds)
    private let refreshedFromPrometheus = Counter(label: "ks_edge_gpu_fleet_index_refreshes_total", dimensions: [("result", "ok")])
    private let refreshFailed = Counter(label: "ks_edge_gpu_fleet_index_refreshes_total", dimensions: [("result", "failed")])
    private let nodeCount = Gauge(label: "ks_edge_gpu_fleet_index_nodes")
    private let ageGauge = Gauge(label: "ks_edge_gpu_fleet_index_age_seconds")
    private let recordedGauge = Gauge(label: "ks_edge_gpu_fleet_index_recording_rules")

    public init(fleet: FleetService<Source, Store>, interval: Duration) {
        self.fleet = fleet
        self.interval = interval
    }

    /// The index now, its rows whose data has stopped being current since it was read answered `stale`; before the
    /// first one exists, the first refresh's (joined, not repeated).
    public func index() async throws -> FleetIndex {
        if let current = state.withLock({ $0.current }) { return try restatedIfDue(current) }
        return try await refresh().get()
    }

    /// One request restates at a time; those arriving meanwhile are answered from the index as it is (at most a
    /// restating's time behind).
    private func restatedIfDue(_ index: FleetIndex) throws -> FleetIndex {
        let now = fleet.context.now()
        guard let next = index.nextChange, now > next else { return index }
        let mine = state.withLock { state in
            if state.restating { return false }
            state.restating = true
            return true
        }
        guard mine else { return index }
        defer { state.withLock { $0.restating = false } }
        let restated = try index.restated(at: now)
        state.withLock { state in
            if state.current === index { state.current = restated }
        }
        return restated
    }

    /// A node's snapshot says `status`: when the index says otherwise (a node whose group was deleted, one back
    /// online), it is rebuilt within a second or so rather than at the next interval, so the fleet, the summary,
    /// `/edge/problems` and the node view agree.
    public func saw(_ node: String, _ status: NodeStatus) {
        guard let current, let row = current.row(node), row.status != status else { return }
        state.withLock { $0.nudged = true }
    }

    /// Whether the current index read `node` as scraped by Prometheus itself (false when it does not know).
    public func isScraped(_ node: String) -> Bool {
        current?.scraped.contains(node) ?? false
    }

    /// The index now without waiting, if there is one.
    public var current: FleetIndex? { state.withLock { $0.current } }

    /// Whether a refresh has finished, so fleet requests no longer wait for the first.
    public var hasAttempted: Bool { state.withLock { $0.attempted } }

    /// The index's origin, size and age, for `/ready`; nil before the first index.
    public func status(now: Date) -> FleetIndexState? {
        current.map { index in
            FleetIndexState(origin: index.origin, recordingRules: index.recorded, nodes: index.fleet.totalItems, readAt: index.readAt,
                            ageSeconds: index.readAt.map { max(0, now.timeIntervalSince($0)).roundedToMillionths })
        }
    }

    /// Starts a refresh, or joins the one in progress: refreshes never overlap.
    @discardableResult
    public func refresh() async -> Result<FleetIndex, any Error> {
        let task = state.withLock { state in
            if let running = state.refresh { return running }
            let task = Task { await self.rebuild() }
            state.refresh = task
            return task
        }
        return await task.value
    }

    private func rebuild() async -> Result<FleetIndex, any Error> {
        let previous = current
        let started = ContinuousClock.now
        let result: Result<FleetIndex, any Error>
        do {
            result = .success(try await fleet.index(after: previous))
        } catch {
            result = .failure(error)
        }
        state.withLock { state in
            if case .success(let index) = result { state.current = index }
            state.refresh = nil
            state.attempted = true
        }
        // The previous index and the refresh's parsed answer are gone now.
        FreedMemory.giveBack()
        refreshTime.record(duration: ContinuousClock.now - started)
        switch result {
        case .success(let index):
            (index.origin == .prometheus ? refreshedFromPrometheus : refreshFailed).increment()
            nodeCount.record(index.fleet.totalItems)
            recordedGauge.record(index.recorded ? 1 : 0)
        case .failure(let error):
            if !(error is CancellationError) {
                refreshFailed.increment()
                fleet.context.logger.warning("fleet index refresh failed", metadata: ["error": "\(error)"])
            }
        }
        return result
    }

    /// Refreshes once per interval until graceful shutdown; a refresh that fails is tried again on the next tick.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    // A refresh in flight at shutdown is cancelled, not waited for up to Prometheus' deadline.
                    _ = await withTaskCancellationHandler { await self.refresh() } onCancel: { self.cancelRefresh() }
                    try await self.untilDue()
                }
            }
        } catch is CancellationError {
            // Graceful shutdown.
        }
    }

    /// Waits for the interval, or less when a snapshot nudged (never less than `leastGap` since the last refresh).
    private func untilDue() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        try await Task.sleep(for: min(Self.leastGap, interval))
        while clock.now - started < interval {
            if state.withLock({ state in defer { state.nudged = false }; return state.nudged }) { return }
            try await Task.sleep(for: min(Self.nudgeCheck, interval - (clock.now - started)))
        }
        state.withLock { $0.nudged = false }
    }

    private func cancelRefresh() {
        state.withLock { $0.refresh }?.cancel()
    }

    /// Sets the age gauge, just before `/metrics` is read.
    public func recordAge(now: Date) {
        if let age = status(now: now)?.ageSeconds { ageGauge.record(age) }
    }
}
