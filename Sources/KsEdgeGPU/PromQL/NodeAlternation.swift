/// A client's node filter that only lists node names, `a|b|c`, optionally anchored (`^…$`) or parenthesised: what
/// the console sends as `resources_filter` for the nodes on its page. Kept as the pattern it is rather than as literal
/// names: Prometheus (RE2, anchored) and the service's whole-match read such a pattern alike, a '.' in a name matching
/// any character in both, so asking Prometheus with it selects exactly the nodes the filter keeps.
public struct NodeAlternation: Sendable, Hashable {
    public let names: [NodeName]

    /// Nil when `filter` is any other regular expression.
    public init?(_ filter: String) {
        var text = Substring(filter)
        if text.hasPrefix("^") { text = text.dropFirst() }
        if text.hasSuffix("$") { text = text.dropLast() }
        if text.hasPrefix("("), text.hasSuffix(")") { text = text.dropFirst().dropLast() }
        var names: [NodeName] = []
        for part in text.split(separator: "|", omittingEmptySubsequences: false) {
            guard let name = NodeName(String(part)) else { return nil }
            if !names.contains(name) { names.append(name) }
        }
        self.names = names
    }

    /// The names as one regular expression, each character of it one of a node name's.
    public var pattern: String { names.map(\.rawValue).joined(separator: "|") }
}

extension Selector {
    /// The series whose `label` is one of the listed nodes (the pattern is made of validated node names only).
    public func matching(_ label: LabelName, _ nodes: NodeAlternation) -> Selector {
        matching(label, trustedPattern: nodes.pattern)
    }
}
