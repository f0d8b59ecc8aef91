import Foundation

/// `online` while the newest sample is within 3 scrape intervals, `stale` after.
public struct Freshness: Sendable {
    public let scrapeInterval: Duration

    public init(scrapeInterval: Duration) { self.scrapeInterval = scrapeInterval }

    public func status(observedAt: Date?, now: Date) -> NodeStatus {
        guard let observedAt else { return .offline }
        return now.timeIntervalSince(observedAt) <= 3 * scrapeInterval.secondsValue ? .online : .stale
    }
}
