import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// Numbers read without a `String` are the very `Double`s `Double(String)` reads, to the bit (the sign of zero too),
/// and whatever the fast way cannot read exactly it leaves to the general way.
@Suite struct ExactDecimalPropertyTests {
    static func read(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBytes { ExactDecimal.value(of: $0[...]) }
    }

    static func same(_ found: Double, _ expected: Double?) -> Bool {
        expected.map { found.bitPattern == $0.bitPattern } ?? false
    }

    /// Any text of digits, points and signs: read exactly as `Double(String)`, or not at all.
    static let texts = Generator<String, Shrink.None<String>>(run: { rng in
        let alphabet = Array("0123456789") + Array(".-+e")
        let length = Int.random(in: 0...22, using: &rng)
        return String((0..<length).map { _ in
            Int.random(in: 0..<10, using: &rng) < 8 ? alphabet[Int.random(in: 0..<10, using: &rng)] : alphabet.randomElement(using: &rng)!
        })
    })

    @Test func anyTextIsReadAsDoubleReadsItOrLeftToIt() async {
        await propertyCheck(count: 20_000, input: Self.texts) { text in
            if let found = Self.read(text) {
                #expect(Self.same(found, Double(text)), "\(text): \(found) vs \(String(describing: Double(text)))")
            }
        }
    }

    /// What Prometheus writes: sample times with up to three decimals, and values as Go formats them.
    static let written = Generator<String, Shrink.None<String>>(run: { rng in
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: String(format: "%.3f", Double(Int.random(in: 1_600_000_000_000...1_900_000_000_000, using: &rng)) / 1000)
        case 1: "\(Int.random(in: -1_000_000_000...1_000_000_000, using: &rng))"
        case 2: "\(Double(Int.random(in: -100_000...100_000, using: &rng)) / Double([1, 10, 100, 1000, 8].randomElement(using: &rng)!))"
        default: "\(Double.random(in: -1e9...1e9, using: &rng))"
        }
    })

    @Test func whatPrometheusWritesIsReadExactly() async {
        await propertyCheck(count: 20_000, input: Self.written) { text in
            let found = Self.read(text)
            #expect(found.map { Self.same($0, Double(text)) } ?? true, "\(text)")
            // Sample times and short values never need the general way.
            if text.count <= 16 && !text.contains("e") { #expect(found != nil, "\(text) was left to the general way") }
        }
    }

    @Test(arguments: ["NaN", "+Inf", "-Inf", "1e+21", "", "-", ".", "5.", ".5", "1.2.3", "1234567890123456", "0x10"])
    func theRestIsLeftToTheGeneralWay(text: String) {
        #expect(Self.read(text) == nil)
    }

    @Test func negativeZeroKeepsItsSign() throws {
        #expect(try #require(Self.read("-0")).sign == .minus)
        #expect(try #require(Self.read("-0.000")).sign == .minus)
    }
}
