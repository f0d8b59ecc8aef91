/// One time series as Prometheus returns it: its label set (metric name under `__name__`)
/// and its points, oldest first. An instant vector is a series with one point.
public struct Series: Sendable, Equatable {
    public var labels: [String: String]
    public var points: [Point]

    public init(labels: [String: String], points: [Point]) {
        self.labels = labels
        self.points = points
    }

    public var name: String { labels["__name__"] ?? "" }
    public var latest: Point? { points.last }

    public struct Point: Sendable, Equatable {
        /// Seconds since the Unix epoch, as Prometheus stamps the sample.
        public var timestamp: Double
        /// May be NaN or ±Inf: Prometheus passes those through from exporters.
        public var value: Double

        public init(timestamp: Double, value: Double) {
            self.timestamp = timestamp
            self.value = value
        }
    }
}
