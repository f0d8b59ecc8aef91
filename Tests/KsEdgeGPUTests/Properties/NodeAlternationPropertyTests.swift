import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// A node filter that lists node names is recognised whichever way the console writes it, and the pattern sent to
/// Prometheus keeps exactly the nodes the filter keeps.
@Suite struct NodeAlternationPropertyTests {
    struct Case {
        var names: [String]
        var filter: String
        var candidates: [String]
    }

    /// 1 to 6 valid names (some with dots), written as the console and hand-written filters do, and candidates: the
    /// names, names one character off (a dot's wildcard included), and others.
    static let cases = Generator<Case, Shrink.None<Case>>(run: { rng in
        let names = (0..<Int.random(in: 1...6, using: &rng)).map { _ in HostileText.validNodeName.run(using: &rng) }
        var filter = names.joined(separator: "|")
        if Bool.random(using: &rng) { filter = "(\(filter))" }
        if Bool.random(using: &rng) { filter += "$" }
        if Bool.random(using: &rng) { filter = "^" + filter }
        let candidates = names.flatMap { name -> [String] in
            let characters = Array(name)
            let at = Int.random(in: 0..<characters.count, using: &rng)
            var changed = characters
            changed[at] = ["x", "-", ".", "0"].randomElement(using: &rng)!
            return [name, String(changed), name + "x", String(name.dropLast())]
        } + [HostileText.nodeNameLike.run(using: &rng)]
        return Case(names: names, filter: filter, candidates: candidates)
    })

    @Test func aListOfNamesKeepsWhatTheFilterKeeps() async {
        await propertyCheck(count: 1000, input: Self.cases, perform: failingOnThrow { sample in
            let listed = try #require(NodeAlternation(sample.filter), "\(sample.filter)")
            #expect(Set(listed.names.map(\.rawValue)) == Set(sample.names))
            #expect(listed.pattern.allSatisfy { $0.isLowercase || $0.isNumber || "-.|".contains($0) }, "\(listed.pattern)")
            let filter = try Regex(sample.filter), pattern = try Regex(listed.pattern)
            for candidate in sample.candidates {
                let kept = (try? filter.wholeMatch(in: candidate)) != nil
                let asked = (try? pattern.wholeMatch(in: candidate)) != nil
                #expect(kept == asked, "\(sample.filter) vs \(listed.pattern) on \(candidate)")
            }
        })
    }

    @Test(arguments: ["node-.*", "node-a|node-b*", "^node-a$|^node-b$", "(node-a)|(node-b)", "node-a||node-b", "", "Node-A",
                      "node-a|", "[a-z]+", #"node\.a"#])
    func otherPatternsAreNotLists(filter: String) {
        #expect(NodeAlternation(filter) == nil)
    }
}
