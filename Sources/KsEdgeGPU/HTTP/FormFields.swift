import Hummingbird

/// Query strings and form bodies read as `application/x-www-form-urlencoded`, the way HTML forms and Go's
/// `url.Values.Encode` (Grafana's client) write them: `+` is a space, and names as well as values are percent-decoded
/// (`match%5B%5D` is `match[]`). Every route reads its parameters through this, so a client's encoding never decides
/// what a parameter says.
enum FormFields {
    /// The pairs of `text` in order; a name may repeat. A part whose percent-encoding is broken is kept as written.
    static func pairs(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

extension Request {
    /// The URL's query parameters, form-decoded, in order.
    var queryFields: [(String, String)] { FormFields.pairs(uri.query ?? "") }

    /// The URL's query parameters, form-decoded; a repeated one counts once, the last.
    var queryParameters: [String: String] { Dictionary(queryFields, uniquingKeysWith: { _, last in last }) }
}
