import Foundation

/// `online` while the newest sample is within 3 scrape intervals (3 push intervals for a node that pushes through a
/// Pushgateway, whose time is its last push), `stale` after.
public struct Freshness: Sendable {
    public let scrapeInterval: Duration
    public let pushInterval: Duration

    public init(scrapeInterval: Duration, pushInterval: Duration = .seconds(60)) {
        self.scrapeInterval = scrapeInterval
        self.pushInterval = pushInterval
    }

    public func status(observedAt: Date?, pushed: Bool = false, now: Date) -> NodeStatus {
        guard let observedAt else { return .offline }
        return now <= staleAt(observedAt: observedAt, pushed: pushed) ? .online : .stale
    }

    /// The last instant data observed at `observedAt` is online.
    public func staleAt(observedAt: Date, pushed: Bool = false) -> Date {
        observedAt.addingTimeInterval(3 * (pushed ? pushInterval : scrapeInterval).secondsValue)
    }
}
