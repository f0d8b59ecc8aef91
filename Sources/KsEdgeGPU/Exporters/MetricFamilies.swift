/// The series of one node grouped by metric name, each reduced to its newest sample.
/// Non-finite values (NaN, ±Inf) read as unknown.
struct MetricFamilies {
    struct Sample {
        var labels: [String: String]
        var value: Double?
        var timestamp: Double
    }

    private var byName: [String: [Sample]] = [:]
    /// Newest sample time over all families (seconds since the epoch).
    private(set) var newestTimestamp: Double?

    init(_ series: [Series]) {
        for entry in series {
            guard let point = entry.latest else { continue }
            byName[entry.name, default: []].append(Sample(labels: entry.labels, value: point.value.isFinite ? point.value : nil, timestamp: point.timestamp))
            newestTimestamp = max(newestTimestamp ?? point.timestamp, point.timestamp)
        }
    }

    func samples(_ name: String) -> [Sample] { byName[name] ?? [] }

    func has(_ name: String) -> Bool { byName[name] != nil }

    var names: Dictionary<String, [Sample]>.Keys { byName.keys }

    /// The value of the sample of `name` whose `label` equals `labelValue`.
    func value(_ name: String, where label: String, is labelValue: String) -> Double? {
        samples(name).first { $0.labels[label] == labelValue }?.value
    }

    /// The labels of an info metric (value 1), with exporters' placeholders for "unknown" removed.
    func info(_ name: String) -> [String: String] {
        samples(name).first?.labels.filter { !$0.value.isEmpty && $0.value != "unknown" } ?? [:]
    }
}

/// Which exporter a node's series come from, by the metric names present.
enum ExporterDetection {
    static func exporter(of name: String) -> ExporterKind? {
        if name.hasPrefix("gpu_") { return .jetson }
        if name.hasPrefix("DCGM_FI_") { return .dcgm }
        if name.hasPrefix("nvidia_smi_") { return .nvidiaSMI }
        return nil
    }

    static func detect(_ names: some Sequence<String>) -> ExporterKind? {
        let found = Set(names.compactMap(exporter(of:)))
        // A node carrying two exporters is described by the richest one.
        return [ExporterKind.dcgm, .nvidiaSMI, .jetson].first(where: found.contains)
    }
}

/// A 0-1 ratio as percent: `0.09` reads `9`, not `9.000000000000002`.
func percent(fromRatio ratio: Double) -> Double {
    (ratio * 100).roundedToMillionths
}

extension Double {
    /// Rounded to 1e-6, below any unit's precision here: floating-point noise from unit conversions
    /// (a ratio times 100, mW / 1000 in PromQL) does not reach the JSON.
    var roundedToMillionths: Double { (self * 1e6).rounded() / 1e6 }
}
