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
        let interval = pushed ? pushInterval : scrapeInterval
        return now.timeIntervalSince(observedAt) <= 3 * interval.secondsValue ? .online : .stale
    }
}
