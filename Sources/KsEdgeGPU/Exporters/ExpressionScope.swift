/// Where an exporter's expressions select from: one node (history, `node` carries its matcher) or every node
/// (fleet, aggregated by `nodeLabel`). Builds selectors through `Selector`, so values are always escaped.
public struct ExpressionScope: Sendable {
    public let node: Selector
    public let nodeLabel: LabelName

    public init(node: Selector, nodeLabel: LabelName) {
        self.node = node
        self.nodeLabel = nodeLabel
    }

    /// The selector of family `name` in this scope, with extra exact label matchers and exclusions.
    public func family(_ name: String, _ extra: [(LabelName, String)] = [], excluding: [(LabelName, String)] = []) -> String {
        let selected = extra.reduce(node.equal(.metricName, name)) { $0.equal($1.0, $1.1) }
        return excluding.reduce(selected) { $0.notEqual($1.0, $1.1) }.text
    }

    /// `label_replace` copying `source` (matched by `pattern`) into `destination` as `replacement`. With an empty
    /// source and pattern it sets a constant.
    public func copy(_ expression: String, to destination: String, from source: String, _ pattern: String = "(.*)",
                     _ replacement: String = "$1") -> String {
        "label_replace(\(expression), \(Selector.quote(destination)), \(Selector.quote(replacement)), \(Selector.quote(source)), \(Selector.quote(pattern)))"
    }
}

extension LabelName {
    /// Label names written in this codebase; a typo fails at once.
    static func known(_ name: String) -> LabelName {
        guard let label = LabelName(name) else { preconditionFailure("'\(name)' is not a label name") }
        return label
    }
}
