/// The series of one node grouped by metric name, each reduced to its newest sample, in the order Prometheus returns
/// series (by label set), whatever order the backend sent them in (VictoriaMetrics' is its own), so what the
/// readings list (power rails, processes) comes in that order.
/// Values that are no reading (NaN, ±Inf, past 1e300: see `reading(_:)`) are unknown.
///
/// A snapshot's window can hold a series and the one that replaced it (a label changed: a JetPack upgrade, a swapped
/// GPU) for a while after the change (`SampleWindow`): where one sample is read for a slot, the newest is.
public struct MetricFamilies: Sendable {
    public struct Sample: Sendable {
        public var labels: [String: String]
        public var value: Double?
        public var timestamp: Double
    }

    private var byName: [String: [Sample]] = [:]

    public init(_ series: [Series]) {
        for entry in series {
            guard let point = entry.latest else { continue }
            byName[entry.name, default: []].append(Sample(labels: entry.labels, value: reading(point.value), timestamp: point.timestamp))
        }
        for name in byName.keys where byName[name]!.count > 1 {
            let order = LabelOrder(byName[name]!.lazy.map(\.labels))
            // Prometheus sends a family's series in this order already: only another backend's answer is sorted.
            guard !byName[name]!.isOrdered(by: order) else { continue }
            byName[name]!.sort { order.precedes($0.labels, $1.labels) }
        }
    }

    public func samples(_ name: String) -> [Sample] { byName[name] ?? [] }

    public func has(_ name: String) -> Bool { byName[name] != nil }

    public var names: Dictionary<String, [Sample]>.Keys { byName.keys }

    /// The value of the newest sample of `name` whose `label` equals `labelValue`.
    public func value(_ name: String, where label: String, is labelValue: String) -> Double? {
        Self.newest(samples(name).lazy.filter { $0.labels[label] == labelValue })?.value
    }

    /// The labels of an info metric (value 1) as its newest sample has them, with exporters' placeholders for
    /// "unknown" removed.
    public func info(_ name: String) -> [String: String] {
        Self.newest(samples(name))?.labels.filter { !$0.value.isEmpty && $0.value != "unknown" } ?? [:]
    }

    /// The newest of `samples`; of several equally new, the first.
    public static func newest<S: Sequence<Sample>>(_ samples: S) -> Sample? {
        var newest: Sample?
        for sample in samples where newest.map({ sample.timestamp > $0.timestamp }) ?? true { newest = sample }
        return newest
    }
}

extension Array where Element == MetricFamilies.Sample {
    func isOrdered(by order: LabelOrder) -> Bool {
        zip(self, dropFirst()).allSatisfy { !order.precedes($1.labels, $0.labels) }
    }
}
