/// The series selectors of a PromQL expression and the metric each names, for deciding whether a client's query may
/// pass through to Prometheus. A lexer, not a full parser: it knows enough of the grammar to tell a metric name from
/// a function, a keyword, a label in a grouping list, a string or a duration, and it fails closed on anything else.
public enum PromQLSelectors {
    public struct Found: Sendable, Equatable {
        /// The metric the selector names: its identifier or its `__name__="…"` matcher; nil when it names none
        /// exactly (`{job="x"}`, `{__name__=~"gpu_.*"}`).
        public var metric: String?
        /// The selector as written, for messages.
        public var text: String
    }

    public struct Unreadable: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    static let keywords: Set<String> = [
        "and", "or", "unless", "atan2", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right",
        "inf", "nan", "start", "end", "Inf", "NaN",
    ]
    /// Aggregations, which may put their grouping first: `sum by (job) (x)`.
    static let aggregations: Set<String> = [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile",
        "limitk", "limit_ratio",
    ]
    /// Keywords followed by a parenthesised list of label names.
    static let labelLists: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]

    public static func find(in expression: String) throws(Unreadable) -> [Found] {
        let tokens = try tokenize(expression)
        var found: [Found] = []
        var index = 0
        func next(_ offset: Int = 1) -> Token? { index + offset < tokens.count ? tokens[index + offset] : nil }
        while index < tokens.count {
            let token = tokens[index]
            switch token.kind {
            case .identifier where labelLists.contains(token.text) && next()?.text == "(":
                // A list of label names: skip to its closing parenthesis.
                guard let close = tokens[index...].firstIndex(where: { $0.text == ")" }) else { throw Unreadable(description: "unclosed label list") }
                index = close + 1
                continue
            case .identifier where keywords.contains(token.text):
                break
            case .identifier where next()?.text == "(":
                break // a function or aggregation
            case .identifier where aggregations.contains(token.text) && labelLists.contains(next()?.text ?? ""):
                break // an aggregation with its grouping first
            case .identifier:
                var text = token.text
                var matchers: [Matcher] = []
                if next()?.text == "{" {
                    let (parsed, end) = try readMatchers(tokens, from: index + 1)
                    matchers = parsed
                    text += tokens[(index + 1)...end].map(\.text).joined()
                    index = end
                }
                found.append(Found(metric: token.text, text: text))
                _ = matchers
            case .punctuation where token.text == "{":
                let (matchers, end) = try readMatchers(tokens, from: index)
                let name = matchers.first { $0.label == "__name__" && $0.operator == "=" }?.value
                found.append(Found(metric: name, text: tokens[index...end].map(\.text).joined()))
                index = end
            default:
                break
            }
            index += 1
        }
        return found
    }

    struct Matcher {
        var label: String
        var `operator`: String
        var value: String
    }

    /// `{a="x", b=~"y"}` starting at the `{` token; returns the matchers and the index of the `}`.
    static func readMatchers(_ tokens: [Token], from start: Int) throws(Unreadable) -> ([Matcher], Int) {
        var matchers: [Matcher] = []
        var index = start + 1
        while index < tokens.count {
            if tokens[index].text == "}" { return (matchers, index) }
            if tokens[index].text == "," { index += 1; continue }
            guard index + 2 < tokens.count, tokens[index].kind == .identifier || tokens[index].kind == .string,
                  ["=", "!=", "=~", "!~"].contains(tokens[index + 1].text), tokens[index + 2].kind == .string else {
                throw Unreadable(description: "unreadable label matcher")
            }
            matchers.append(Matcher(label: tokens[index].value, operator: tokens[index + 1].text, value: tokens[index + 2].value))
            index += 3
        }
        throw Unreadable(description: "unclosed selector")
    }

    struct Token: Equatable {
        enum Kind { case identifier, string, number, punctuation }
        var kind: Kind
        /// As written.
        var text: String
        /// A string's contents, unescaped; else the text.
        var value: String
    }

    static func tokenize(_ expression: String) throws(Unreadable) -> [Token] {
        let characters = Array(expression.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c == ":" || (c.isASCII && c.properties.isAlphabetic) }
        func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || (c >= "0" && c <= "9") }
        while index < characters.count {
            let c = characters[index]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1; continue }
            if c == "#" { while index < characters.count, characters[index] != "\n" { index += 1 }; continue }
            if c == "[" {
                // A range or subquery duration: `[5m]`, `[1h:30s]`. Nothing inside names a metric.
                guard let close = characters[index...].firstIndex(of: "]") else { throw Unreadable(description: "unclosed [") }
                tokens.append(Token(kind: .punctuation, text: String(String.UnicodeScalarView(characters[index...close])), value: ""))
                index = close + 1
                continue
            }
            if c == "\"" || c == "'" || c == "`" {
                var value = String.UnicodeScalarView()
                var end = index + 1
                var closed = false
                while end < characters.count {
                    let d = characters[end]
                    if d == c { closed = true; break }
                    if d == "\\" && c != "`" {
                        end += 1
                        guard end < characters.count else { break }
                        let escaped = characters[end]
                        switch escaped {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "r": value.append("\r")
                        default: value.append(escaped)
                        }
                    } else {
                        value.append(d)
                    }
                    end += 1
                }
                guard closed else { throw Unreadable(description: "unclosed string") }
                tokens.append(Token(kind: .string, text: String(String.UnicodeScalarView(characters[index...end])), value: String(value)))
                index = end + 1
                continue
            }
            if isIdentifierStart(c) {
                var end = index
                while end < characters.count, isIdentifierPart(characters[end]) { end += 1 }
                let text = String(String.UnicodeScalarView(characters[index..<end]))
                tokens.append(Token(kind: .identifier, text: text, value: text))
                index = end
                continue
            }
            if (c >= "0" && c <= "9") || c == "." {
                // Numbers, hex and durations such as 5m or 1h30m.
                var end = index
                while end < characters.count, isIdentifierPart(characters[end]) || characters[end] == "." { end += 1 }
                let text = String(String.UnicodeScalarView(characters[index..<end]))
                tokens.append(Token(kind: .number, text: text, value: text))
                index = end
                continue
            }
            let two = index + 1 < characters.count ? String(String.UnicodeScalarView([c, characters[index + 1]])) : ""
            if ["!=", "=~", "!~", "==", ">=", "<="].contains(two) {
                tokens.append(Token(kind: .punctuation, text: two, value: two))
                index += 2
                continue
            }
            guard "{}(),=+-*/%^<>@".unicodeScalars.contains(c) else {
                throw Unreadable(description: "unexpected character '\(Character(c))'")
            }
            tokens.append(Token(kind: .punctuation, text: String(Character(c)), value: String(Character(c))))
            index += 1
        }
        return tokens
    }
}
