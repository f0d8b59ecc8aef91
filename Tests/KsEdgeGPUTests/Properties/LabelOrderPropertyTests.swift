import PropertyBased
import Testing
@testable import KsEdgeGPU

/// A family's series in Prometheus' order of label sets, however the backend sent them: compared through the family's
/// label names sorted once, exactly as each set sorted and compared label by label.
@Suite struct LabelOrderPropertyTests {
    /// Prometheus' order as it is defined: each set sorted by name, compared label by label, by name then value; a
    /// prefix first.
    static func reference(_ left: [String: String], _ right: [String: String]) -> Bool {
        let (left, right) = (left.sorted { $0.key < $1.key }, right.sorted { $0.key < $1.key })
        for (a, b) in zip(left, right) {
            if a.key != b.key { return a.key < b.key }
            if a.value != b.value { return a.value < b.value }
        }
        return left.count < right.count
    }

    /// One to seven label sets of a family: few names and values, so prefixes, missing names and ties are common.
    static let sets = Generator<[[String: String]], Shrink.None<[[String: String]]>>(run: { rng in
        let names = ["__name__", "cpu", "device", "instance", "job", "mode", "a", "Z"]
        let values = ["", "0", "1", "10", "2", "idle", "user", "é"]
        return (0..<Int.random(in: 1...7, using: &rng)).map { _ in
            var set: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &rng) { set[names.randomElement(using: &rng)!] = values.randomElement(using: &rng)! }
            return set
        }
    })

    @Test func comparesAsEachSetSortedWould() async {
        await propertyCheck(count: 2000, input: Self.sets, perform: failingOnThrow { sets in
            let order = LabelOrder(sets)
            for left in sets {
                for right in sets { #expect(order.precedes(left, right) == Self.reference(left, right), "\(left) \(right)") }
            }
        })
    }

    @Test func aFamilyComesInPrometheusOrderWhateverOrderItWasSentIn() async {
        await propertyCheck(count: 1000, input: Self.sets, perform: failingOnThrow { sets in
            var distinct: [[String: String]] = []
            for set in sets.map({ $0.merging(["__name__": "f"]) { _, name in name } }) where !distinct.contains(set) { distinct.append(set) }
            let series = distinct.shuffled().map { Series(labels: $0, points: [.init(timestamp: 1, value: 1)]) }
            #expect(MetricFamilies(series).samples("f").map(\.labels) == distinct.sorted(by: Self.reference))
        })
    }
}
