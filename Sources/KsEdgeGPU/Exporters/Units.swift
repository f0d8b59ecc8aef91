/// A 0-1 ratio as percent: `0.09` reads `9`, not `9.000000000000002`.
public func percent(fromRatio ratio: Double) -> Double {
    (ratio * 100).roundedToMillionths
}

extension Collection<Double> {
    /// The arithmetic mean; nil for no values (unknown, never 0).
    public var mean: Double? { isEmpty ? nil : reduce(0, +) / Double(count) }

    /// The sum; nil for no values (unknown, never 0).
    public var sum: Double? { isEmpty ? nil : reduce(0, +) }
}

extension Double {
    /// Rounded to 1e-6, below any unit's precision here: floating-point noise from unit conversions
    /// (a ratio times 100, mW / 1000 in PromQL) does not reach the JSON.
    public var roundedToMillionths: Double {
        // Past 2^53 / 1e6 there are no millionths left to round, and the product could overflow to infinity.
        abs(self) < 9e9 ? (self * 1e6).rounded() / 1e6 : self
    }
}

/// An exporter's value as a reading. NaN and ±Inf are unknown, and so are magnitudes past 1e300: no gauge reads them,
/// and converting them (kB or MiB to bytes, sums over GPUs) could overflow to infinity, which JSON cannot hold.
func reading(_ value: Double) -> Double? { value.isFinite && abs(value) <= 1e300 ? value : nil }

/// Tegra thermal drivers report a sensor they cannot read as -256 °C, through jtop and sysfs alike: offline, not cold.
let offlineSensorCelsius = -256.0
