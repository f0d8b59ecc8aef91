/// One node's raw samples over the snapshot's window, as range selectors return them (each series' samples with their
/// scrape times, oldest first), and what the snapshot reads from them in place of what Prometheus' functions would
/// compute: which series are current, how fresh the node is, and counters' rates.
///
/// Current, as an instant selector would have it: Prometheus marks a series stale when a scrape of its target no
/// longer holds it, and every series of a target when a scrape fails or the target goes; an instant selector then
/// leaves them out, a range selector does not. So:
/// - the series a target wrote (one `job`, one source: an exporter, node-exporter, the Pushgateway's push times) are
///   current unless the target's scrapes have left them out for longer than `goneAfter`: not only its newest scrape,
///   as VictoriaMetrics makes a scrape's series searchable a few at a time, a busy one seconds apart (so a series
///   that went is left out up to `goneAfter` later than Prometheus would);
/// - where Prometheus scrapes the node itself, its `up` says whether the target's last scrape worked, and its age
///   whether the target is still there (`goneAfter`);
/// - a Pushgateway serves a group's series at every scrape while the group exists: the group is gone (deleted, or the
///   Pushgateway is) once its newest scrape is older than `goneAfter`;
/// - series that come another way (a rack, federation) have no `up` of the node's: they are current for the window,
///   as an instant selector's lookback would have them, and the snapshot's freshness says how old they are;
/// - a series whose last sample is a NaN after the target's newest reading was marked stale (VictoriaMetrics returns
///   the marks among raw samples, a millisecond after the scrape that left the series out, or at a failed scrape's
///   time for every series of the target); a NaN at a scrape's own time is what the exporter wrote, an unknown reading.
public struct SampleWindow: Sendable {
    /// Prometheus' own family: 1 when a target's scrape worked, 0 when it failed; it carries the target's labels.
    public static let up = "up"

    /// The series still current, each with its samples in the window, oldest first (`up` left out).
    public let current: [Series]
    /// Per `job` whose series come through a Pushgateway, per scrape time (`SampledRate.millisecondKey`), the newest
    /// push that scrape saw.
    let pushes: [String: [Int64: Double]]

    /// - Parameters:
    ///   - now: the time the samples were selected at, in seconds since the epoch.
    ///   - goneAfter: seconds after its last `up` that a target Prometheus scrapes has certainly missed a scrape (after
    ///     its last scrape, a Pushgateway's group; after the target's newest scrape, a series it left out).
    ///   - source: which exporter (or node-exporter, or the Pushgateway) writes a family; the name itself for others.
    public init(_ series: [Series], now: Double, goneAfter: Double, source: (String) -> String) {
        struct Target: Hashable { var job: String, source: String }
        /// Per target, the time (ms) of its newest sample that is not NaN.
        var newest: [Target: Int64] = [:]
        var targets: [Target?] = []
        var pushes: [String: [Int64: Double]] = [:]
        let horizon = SampledRate.millisecondKey(now - goneAfter)
        let tolerance = SampledRate.millisecondKey(goneAfter)
        /// Per job Prometheus scrapes the node in, whether a target of it answered its last scrape lately.
        var scraped: [String: Bool] = [:]
        for entry in series {
            if entry.name == Self.up, let last = entry.points.last {
                let job = entry.labels["job"] ?? ""
                scraped[job] = (scraped[job] ?? false) || (last.value == 1 && SampledRate.millisecondKey(last.timestamp) >= horizon)
                targets.append(nil)
                continue
            }
            let target = Target(job: entry.labels["job"] ?? "", source: source(entry.name))
            targets.append(target)
            if let reading = entry.points.last(where: { !$0.value.isNaN }) {
                newest[target] = max(newest[target] ?? .min, SampledRate.millisecondKey(reading.timestamp))
            }
            if entry.name == CounterRate.pushTimeFamily {
                // A grouping key with more labels than node and job has several push times: the newest is the push.
                for point in entry.points where !point.value.isNaN {
                    let scrape = SampledRate.millisecondKey(point.timestamp)
                    pushes[target.job, default: [:]][scrape] = max(pushes[target.job]?[scrape] ?? point.value, point.value)
                }
            }
        }
        current = zip(series, targets).compactMap { entry, target in
            guard let target, let newest = newest[target], let last = entry.points.last,
                  scraped[target.job] ?? (pushes[target.job] == nil || newest >= horizon) else { return nil }
            let time = SampledRate.millisecondKey(last.timestamp)
            guard !(last.value.isNaN && time > newest), time >= newest - tolerance else { return nil }
            return entry
        }
        self.pushes = pushes
    }

    /// The counter's increase per second: between its last two pushes where its group pushes through a Pushgateway,
    /// else between its last two scrapes (`SampledRate`).
    public func perSecond(_ counter: Series) -> Double? {
        if let pushTimes = pushes[counter.labels["job"] ?? ""] { return SampledRate.pushed(counter.points, pushTimes: pushTimes) }
        return SampledRate.scraped(counter.points)
    }

    /// How fresh the node is by its current `heartbeats` series: the newest one's scrape time, or where one comes
    /// through a Pushgateway, the last push of its group (its scrapes only say the Pushgateway was up).
    public func freshness(heartbeats: Set<String>) -> (scraped: Double?, pushed: Double?) {
        var scraped: Double?, pushed: Double?
        for entry in current where heartbeats.contains(entry.name) {
            if let time = entry.points.last?.timestamp { scraped = max(scraped ?? time, time) }
            if let push = pushes[entry.labels["job"] ?? ""]?.max(by: { $0.key < $1.key })?.value { pushed = max(pushed ?? push, push) }
        }
        return (scraped, pushed)
    }

    /// The rate of every current series of `family` that `include` keeps, as a series named `name` with the counter's
    /// labels and newest sample time, valued by `transform` of its rate; counters without a rate yet are left out.
    public func rates(of family: String, as name: String, where include: ([String: String]) -> Bool = { _ in true },
                      valued transform: (Double) -> Double = { $0 }) -> [Series] {
        current.compactMap { entry in
            guard entry.name == family, include(entry.labels), let rate = perSecond(entry), let time = entry.points.last?.timestamp else { return nil }
            var labels = entry.labels
            labels["__name__"] = name
            return Series(labels: labels, points: [.init(timestamp: time, value: transform(rate))])
        }
    }
}
