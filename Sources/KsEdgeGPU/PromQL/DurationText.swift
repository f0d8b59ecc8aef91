/// Prometheus' (Go-style) durations as operators write them in flags and manifests: `500ms`, `30s`, `1m`, `1m30s`, `2h`.
/// A bare number is seconds.
public enum DurationText {
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "'\(text)' is not a duration (examples: 500ms, 30s, 1m, 1m30s, 2h)" }
    }

    static let maxSeconds = 1e9
    static let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]

    public static func parse(_ text: String) throws(Invalid) -> Duration {
        let trimmed = text.trimmingWhitespace()
        if let seconds = Double(trimmed) {
            // Longer than 31 years is no one's interval, and far longer would overflow the milliseconds.
            guard seconds.isFinite, seconds >= 0, seconds < maxSeconds else { throw Invalid(text: text) }
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        var rest = Substring(trimmed)
        var total = 0.0
        guard !rest.isEmpty else { throw Invalid(text: text) }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unitText.count)
            guard let value = Double(number), let unit = units.first(where: { $0.suffix == unitText }) else { throw Invalid(text: text) }
            total += value * unit.seconds
        }
        guard total.isFinite, total < maxSeconds else { throw Invalid(text: text) }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// The shortest text `parse` reads back as `duration` (whole milliseconds).
    public static func format(_ duration: Duration) -> String {
        let milliseconds = Int64(duration.secondsValue * 1000)
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        if seconds % 3600 == 0, seconds > 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0, seconds > 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

extension Duration {
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let scalars = Substring(self)
        guard let start = scalars.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.isWhitespace })!
        return scalars[start...end]
    }
}
