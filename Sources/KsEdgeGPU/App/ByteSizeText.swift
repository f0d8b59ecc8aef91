/// Sizes as operators write them in flags and manifests: `64MiB`, `512KiB`, `1GiB`, `100MB`, or bare bytes.
public enum ByteSizeText {
    static let units: [(suffix: String, bytes: Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1), ("", 1),
    ]

    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        for (suffix, bytes) in units where trimmed.hasSuffix(suffix) {
            guard let number = Int(trimmed.dropLast(suffix.count)), number >= 0 else { continue }
            let (total, overflow) = number.multipliedReportingOverflow(by: bytes)
            return overflow ? nil : total
        }
        return nil
    }

    /// The shortest binary form that reads back: `67108864` -> `64MiB`.
    public static func format(_ bytes: Int) -> String {
        for (suffix, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(suffix)"
        }
        return "\(bytes)B"
    }
}
