/// A counter's increase per second read from its raw samples, as the snapshot reads it. The history and the fleet ask
/// Prometheus for the same through `CounterRate`; a live test holds the two to the same answers.
///
/// A NaN is no count: Prometheus writes one as a staleness marker (VictoriaMetrics returns those among raw samples),
/// and an exporter that writes one has counted nothing.
public enum SampledRate {
    /// A scraped counter: what Prometheus' `irate` gives over the same samples. The increase between the last two
    /// samples over the time between them; a counter that went down was reset and counted up from zero since. Nil with
    /// fewer than two samples.
    public static func scraped(_ points: [Series.Point]) -> Double? {
        guard let last = points.lastIndex(where: { !$0.value.isNaN }),
              let previous = points[..<last].lastIndex(where: { !$0.value.isNaN }) else { return nil }
        let (older, newer) = (points[previous], points[last])
        // In whole milliseconds, as Prometheus keeps them: seconds since the epoch subtract with an error of 1e-7 s.
        let interval = Double(millisecondKey(newer.timestamp) - millisecondKey(older.timestamp)) / 1000
        guard interval > 0 else { return nil }
        return increase(from: older.value, to: newer.value) / interval
    }

    /// A counter pushed through a Pushgateway, which serves the last push at every scrape: a staircase whose steps are
    /// the pushes. `pushTimes` holds, per scrape time (`millisecondKey`), the push the scrape saw (`push_time_seconds`
    /// of the counter's group). The increase between the last two distinct pushes over the time between them, so
    /// neither a scrape that saw no new push (a rate of 0) nor one that saw a whole push interval's counts (several
    /// times the truth) is read as a second's worth. Nil before two pushes.
    public static func pushed(_ points: [Series.Point], pushTimes: [Int64: Double]) -> Double? {
        var newest: (value: Double, push: Double)?
        for point in points.reversed() where !point.value.isNaN {
            guard let push = pushTimes[millisecondKey(point.timestamp)] else { continue }
            guard let newer = newest else { newest = (point.value, push); continue }
            if push < newer.push { return increase(from: point.value, to: newer.value) / (newer.push - push) }
        }
        return nil
    }

    static func increase(from older: Double, to newer: Double) -> Double {
        newer >= older ? newer - older : newer
    }

    /// A sample time as Prometheus keeps it, in whole milliseconds, for matching the samples of one scrape.
    public static func millisecondKey(_ seconds: Double) -> Int64 {
        Int64((seconds * 1000).rounded())
    }
}
