/// Prometheus' order of label sets: label by label in name order, by name, then by value; a prefix first. The sets of
/// one family are compared through their label names sorted once, not each set sorted at every comparison.
struct LabelOrder {
    /// Every label name the sets have, in order.
    private let names: [String]

    init(_ sets: some Sequence<[String: String]>) {
        var names = Set<String>()
        for set in sets { names.formUnion(set.keys) }
        self.names = names.sorted()
    }

    /// Whether `left` comes before `right`; both must be among the sets the order was made from.
    func precedes(_ left: [String: String], _ right: [String: String]) -> Bool {
        // Labels of each set passed so far: equal in number, since they were equal.
        var passed = 0
        for name in names {
            switch (left[name], right[name]) {
            case let (a?, b?):
                if a != b { return a < b }
                passed += 1
            // Only `left` has the name: `right`'s next label has a later one, or `right` ends here (a prefix first).
            case (_?, nil): return passed < right.count
            case (nil, _?): return passed == left.count
            case (nil, nil): continue
            }
        }
        return false
    }
}
