/// Which of a series' raw samples a reader uses, so that the rest need not be decoded.
///
/// A scraped node's snapshot reads, of each series, its newest sample, its newest reading (not NaN) and the reading
/// before that (`SampleWindow`, `SampledRate.scraped`, `MetricFamilies`): everything from its second-newest reading on.
/// A Pushgateway's push times are read whole (every push the window saw), and so is every series of a node not known
/// to be scraped: a pushed counter's rate is read across the scrapes that saw its last two pushes.
public enum SamplesRead: Sendable, Equatable {
    case all
    /// Of each series, the samples from its second-newest reading on (all of them with fewer than two readings); a
    /// push-time series whole.
    case newestReadings

    /// How many readings, counted from the newest, `newestReadings` keeps.
    public static let readingsKept = 2

    /// Whether the series with `labels` is read whole.
    public func readsWhole(_ labels: [String: String]) -> Bool {
        self == .all || labels["__name__"] == CounterRate.pushTimeFamily
    }

    /// `series` with only the samples read.
    public func applied(to series: Series) -> Series {
        guard !readsWhole(series.labels) else { return series }
        var readings = 0
        for index in series.points.indices.reversed() where !series.points[index].value.isNaN {
            readings += 1
            if readings == Self.readingsKept {
                return index == 0 ? series : Series(labels: series.labels, points: Array(series.points[index...]))
            }
        }
        return series
    }
}
