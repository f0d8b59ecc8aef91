/// A PromQL expression. The only way to build one from outside input is through
/// `Selector`, which validates names and escapes label values, so nothing a client
/// sends can change the shape of a query.
public struct PromQL: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// For fixed expressions written in this codebase; never pass client input here.
    public init(trusted text: String) { self.text = text }

    public var description: String { text }
}

/// `{__name__=~"gpu_.*", instance="edge-nx-01"}`.
public struct Selector: Sendable, Hashable {
    public enum Match: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case regex = "=~"
        case notRegex = "!~"
    }

    public struct Matcher: Sendable, Hashable {
        public let label: LabelName
        public let match: Match
        public let value: String
    }

    public private(set) var matchers: [Matcher] = []

    public init() {}

    /// Exact match on a label value. The value may be anything: it is escaped.
    public func equal(_ label: LabelName, _ value: String) -> Selector {
        adding(Matcher(label: label, match: .equal, value: value))
    }

    /// Anything but this value (escaped like `equal`).
    public func notEqual(_ label: LabelName, _ value: String) -> Selector {
        adding(Matcher(label: label, match: .notEqual, value: value))
    }

    /// Regex match. Only for patterns written in this codebase (a client value goes through `equal`).
    public func matching(_ label: LabelName, trustedPattern pattern: String) -> Selector {
        adding(Matcher(label: label, match: .regex, value: pattern))
    }

    /// Anything the pattern does not match. Only for patterns written in this codebase.
    public func notMatching(_ label: LabelName, trustedPattern pattern: String) -> Selector {
        adding(Matcher(label: label, match: .notRegex, value: pattern))
    }

    /// This selector with `other`'s matchers too (those it already has once).
    public func merging(_ other: Selector) -> Selector {
        other.matchers.reduce(self) { $0.matchers.contains($1) ? $0 : $0.adding($1) }
    }

    /// This selector without `other`'s matchers.
    public func removing(_ other: Selector) -> Selector {
        var copy = self
        copy.matchers.removeAll { other.matchers.contains($0) }
        return copy
    }

    private func adding(_ matcher: Matcher) -> Selector {
        var copy = self
        copy.matchers.append(matcher)
        return copy
    }

    public var text: String {
        "{" + matchers.map { "\($0.label.rawValue)\($0.match.rawValue)\(Self.quote($0.value))" }.joined(separator: ",") + "}"
    }

    /// A PromQL double-quoted string literal: backslash, quote and control characters escaped,
    /// so the value can never end the string early.
    public static func quote(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
            // Prometheus' lexer takes U+FFFD, even well encoded, for invalid UTF-8 and refuses the query; escaped it is read.
            case "\u{FFFD}": out += "\\uFFFD"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`. Configured label names go through this.
public struct LabelName: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ rawValue: String) {
        guard let first = rawValue.utf8.first, Self.isStart(first),
              rawValue.utf8.allSatisfy({ Self.isStart($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) })
        else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static let metricName = LabelName("__name__")!
    public static let instance = LabelName("instance")!

    private static func isStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
