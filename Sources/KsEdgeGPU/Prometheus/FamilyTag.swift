/// Names series through a `ks_family` label, which survives functions and `or`: functions such as `timestamp` drop
/// metric names, and `or` ignores names when it matches series, so queries that combine families tag each clause.
/// Only the typed queries in this folder tag and untag.
enum FamilyTag {
    static let label = "ks_family"

    static func tag(_ expression: String, as family: String) -> String {
        "label_replace(\(expression), \"\(label)\", \(Selector.quote(family)), \"\", \"\")"
    }

    /// Each tagged series named after its family again (the tag removed); untagged series pass unchanged.
    static func restore(_ series: [Series]) -> [Series] {
        series.map { entry in
            guard let family = entry.labels[label] else { return entry }
            var named = entry
            named.labels[label] = nil
            named.labels["__name__"] = family
            return named
        }
    }

    /// `<name>:<source>`, for clauses whose answer must say which exporter (or node-exporter) it came from.
    static func tag(_ name: String, _ exporter: ExporterKind) -> String { tag(name, DataSource(exporter)) }

    static func tag(_ name: String, _ source: DataSource) -> String { "\(name):\(source.rawValue)" }

    /// The name and source of a tag made by `tag(_:_:)`.
    static func parse(_ tag: String) -> (name: Substring, source: DataSource)? {
        guard let colon = tag.lastIndex(of: ":"), let source = DataSource(rawValue: String(tag[tag.index(after: colon)...])) else {
            return nil
        }
        return (tag[..<colon], source)
    }
}
