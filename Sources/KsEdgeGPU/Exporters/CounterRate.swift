/// How a counter becomes a rate per second, per series, for a node Prometheus scrapes and for one that pushes through
/// a Pushgateway. The history (and so KubeSphere's envelope) and the fleet's problems read counters through this one
/// expression; the snapshot reads the same from raw samples (`SampledRate`). Live tests hold both to the true rates of
/// pushed and scraped counters, and the snapshot's to Prometheus' own `irate`.
///
/// - Scraped: `irate`, the increase between the last two scrapes within 4 scrape intervals.
/// - Pushed: the Pushgateway serves the last push at every scrape, so a pushed counter is a staircase whose steps are
///   the pushes. `irate` sees either no step (a rate of 0: a CPU 100 % busy, a link at 0 B/s) or a whole push
///   interval's increase within one scrape interval (several times the truth), and `rate` over a short window is
///   biased the same way. So the counter's increase within a window of two push intervals and a scrape is divided
///   by the increase of its group's `push_time_seconds` over the same window: the time between the first and the last
///   push the window saw. Both come from the same scrapes of the same group, so whatever `increase` extrapolates
///   (Prometheus) or takes from before the window (VictoriaMetrics) applies to both alike and cancels out; resets are
///   `increase`'s own. A window with fewer than two pushes (the node stopped pushing) gives no value, never 0.
public struct CounterRate: Sendable {
    /// irate's range for scraped counters: 4 scrape intervals, so a missed scrape still leaves two samples.
    public let scrapedWindow: String
    /// The range over which a pushed counter's increase is taken: 2 push intervals and a scrape interval, so it
    /// always holds two pushes while the node pushes.
    public let pushedWindow: String

    /// The Pushgateway's own family: the Unix time of a group's last push, one series per grouping key.
    public static let pushTimeFamily = "push_time_seconds"

    /// The range that holds what both need, in seconds: what the snapshot selects raw samples over.
    public let widestWindowSeconds: Int
    /// The scraped window in seconds: enough for a node known to be scraped.
    public let scrapedWindowSeconds: Int

    public init(scrapeInterval: Duration, pushInterval: Duration) {
        let scraped = Self.seconds(4 * scrapeInterval.secondsValue)
        let pushed = Self.seconds(2 * pushInterval.secondsValue + scrapeInterval.secondsValue)
        scrapedWindow = "\(scraped)s"
        pushedWindow = "\(pushed)s"
        widestWindowSeconds = max(scraped, pushed)
        scrapedWindowSeconds = scraped
    }

    static func seconds(_ seconds: Double) -> Int { max(1, Int(seconds.rounded(.up))) }

    /// Per series of `counter` (a selector of the node or nodes in `scope`): its increase per second. Pushed series
    /// are told from scraped ones by their group's push time (same node label and `job`).
    public func perSecond(_ counter: Selector, in scope: ExpressionScope) -> String {
        let group = "\(scope.nodeLabel.rawValue), job"
        let pushTimes = scope.node.equal(.metricName, Self.pushTimeFamily).text
        let scraped = "irate(\(counter.text)[\(scrapedWindow)]) unless on (\(group)) \(pushTimes)"
        // max by: a grouping key with more labels than node and job would otherwise make the match many-to-one.
        // `group_left ()`: without the empty list, the parenthesis that follows would be read as group_left's labels.
        let pushSpan = "(max by (\(group)) (increase(\(pushTimes)[\(pushedWindow)])) > 0)"
        let pushed = "increase(\(counter.text)[\(pushedWindow)]) / on (\(group)) group_left () \(pushSpan)"
        return "((\(scraped)) or (\(pushed)))"
    }
}
