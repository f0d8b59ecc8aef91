import Foundation
import NIOCore
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// The hand-written parser of Prometheus' answers against generated answers, written by Foundation's JSON encoder, and
/// against those answers cut, garbled, nested deep and stuffed with numbers and types Prometheus never sends. It reads
/// every good answer as written, and fails on bad ones with `UpstreamError.badResponse`: no crash, no hang.
@Suite struct QueryResponsePropertyTests {
    /// A generated answer: the series it holds and its body.
    struct Answer: CustomStringConvertible {
        var series: [Series]
        var body: [UInt8]
        var description: String { String(decoding: body, as: UTF8.self) }
    }

    static let sampleValues: [Double] = [0, -0.0, 1, -1, 0.5, 42.125, 1e-300, 1e300, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
                                         .infinity, -.infinity, .nan]

    /// A vector or matrix answer with hostile label names and values and every kind of sample value.
    static let answer = Generator<Answer, Shrink.None<Answer>>(run: { rng in
        let matrix = Bool.random(using: &rng)
        let series = (0..<Int.random(in: 0...5, using: &rng)).map { _ in
            var labels: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                labels[HostileText.string(of: 1...8).run(using: &rng)] = HostileText.string(of: 0...20).run(using: &rng)
            }
            // Named or not, and some of them push times, which a snapshot reads whole.
            if Bool.random(using: &rng) { labels["__name__"] = ["gpu_usage_gpu", CounterRate.pushTimeFamily].randomElement(using: &rng)! }
            let points = (0..<(matrix ? Int.random(in: 0...6, using: &rng) : 1)).map { _ in
                let value = Int.random(in: 0..<4, using: &rng) == 0 ? .nan
                    : Bool.random(using: &rng) ? sampleValues.randomElement(using: &rng)! : Double.random(in: -1e6...1e6, using: &rng)
                return Series.Point(timestamp: Double(Int.random(in: 1_600_000_000_000...1_900_000_000_000, using: &rng)) / 1000, value: value)
            }
            return Series(labels: labels, points: points)
        }
        func text(_ value: Double) -> String { value.isNaN ? "NaN" : value == .infinity ? "+Inf" : value == -.infinity ? "-Inf" : "\(value)" }
        let result: [[String: Any]] = series.map { series in
            let points = series.points.map { [$0.timestamp, text($0.value)] as [Any] }
            return matrix ? ["metric": series.labels, "values": points] : ["metric": series.labels, "value": points[0]]
        }
        let document: [String: Any] = ["status": "success", "data": ["resultType": matrix ? "matrix" : "vector", "result": result],
                                       "warnings": ["generated"]]
        let body = try! JSONSerialization.data(withJSONObject: document, options: Bool.random(using: &rng) ? [.prettyPrinted] : [])
        return Answer(series: series, body: Array(body))
    })

    /// Equal, counting NaN equal to NaN.
    static func same(_ a: [Series], _ b: [Series]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { a, b in
            a.labels == b.labels && a.points.count == b.points.count && zip(a.points, b.points).allSatisfy { a, b in
                a.timestamp == b.timestamp && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
            }
        }
    }

    /// Parses, failing the test on anything but success or `.badResponse`.
    static func parse(_ bytes: [UInt8]) -> Result<[Series], UpstreamError> {
        do throws(UpstreamError) {
            return .success(try QueryResponse.series(from: bytes))
        } catch {
            if case .badResponse(let reason) = error { #expect(!reason.isEmpty) } else { Issue.record("unexpected \(error)") }
            return .failure(error)
        }
    }

    @Test func everyAnswerIsReadAsWritten() async {
        await propertyCheck(count: 500, input: Self.answer, perform: failingOnThrow { answer in
            guard case .success(let series) = Self.parse(answer.body) else { Issue.record("refused"); return }
            #expect(Self.same(series, answer.series))
        })
    }

    @Test func everyCutOffAnswerIsRefused() async {
        await propertyCheck(count: 500, input: Self.answer, Gen.double(in: 0..<1), perform: failingOnThrow { answer, fraction in
            // Whitespace at the end of a pretty-printed body is not part of the document.
            let document = answer.body.count - answer.body.reversed().prefix { $0 == 0x0A || $0 == 0x20 }.count
            let cut = Int(Double(document) * fraction)
            #expect(throws: UpstreamError.self) { try QueryResponse.series(from: answer.body.prefix(cut)) }
        })
    }

    /// A good answer with up to eight bytes replaced, removed or inserted, from the bytes that matter to JSON and UTF-8.
    static let garbled = Generator<[UInt8], Shrink.None<[UInt8]>>(run: { rng in
        let bytes: [UInt8] = Array("{}[]\",:\\0123456789-+.eEtrufalsn u\u{7F}".utf8) + [0x00, 0xFF, 0xC3, 0x28, 0xE2, 0x82]
        var body = answer.run(using: &rng).body
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let at = Int.random(in: 0...body.count, using: &rng)
            let byte = bytes.randomElement(using: &rng)!
            switch Int.random(in: 0..<3, using: &rng) {
            case 0 where at < body.count: body[at] = byte
            case 1 where at < body.count: body.remove(at: at)
            default: body.insert(byte, at: at)
            }
        }
        return body
    })

    @Test func garbledAnswersAreReadOrRefusedNeverCrash() async {
        await propertyCheck(count: 2000, input: Self.garbled, perform: failingOnThrow { body in
            _ = Self.parse(body)
        })
    }

    /// The fleet's reads fold an answer series by series from the HTTP client's buffer: the same series, in the same
    /// order, as the answer read whole, and the same refusal of a garbled one.
    @Test func foldingTheClientsBufferReadsWhatTheWholeAnswerReads() async {
        await propertyCheck(count: 1000, input: Self.answer, Self.garbled, perform: failingOnThrow { answer, garbled in
            for body in [answer.body, garbled] {
                var folded: [Series] = []
                do throws(UpstreamError) {
                    try QueryResponse.fold(ByteBuffer(bytes: body), into: &folded)
                    guard case .success(let whole) = Self.parse(body) else { Issue.record("the fold read what the whole read refused"); continue }
                    #expect(Self.same(folded, whole))
                } catch {
                    #expect((try? Self.parse(body).get()) == nil, "the fold refused what the whole read read: \(error)")
                }
            }
        })
    }

    /// A snapshot's series, read for their newest readings only (the older samples stepped over, not decoded): what the
    /// whole answer holds with `SamplesRead` applied, whichever order an entry's labels and samples are written in; a
    /// garbled answer read whole is read the same, and one refused is refused or read, never a crash.
    @Test func readingTheNewestReadingsKeepsWhatTheWholeReadKeeps() async {
        await propertyCheck(count: 1000, input: Self.answer, Self.garbled, perform: failingOnThrow { answer, garbled in
            for body in [answer.body, garbled] {
                var newest = SnapshotQuery.Samples(samplesRead: .newestReadings)
                let whole = Self.parse(body)
                do throws(UpstreamError) {
                    try QueryResponse.fold(ByteBuffer(bytes: body), into: &newest)
                    // A body refused whole may be read here: an older sample is stepped over, its number not checked.
                    if case .success(let whole) = whole { #expect(Self.same(newest.series, whole.map(SamplesRead.newestReadings.applied))) }
                } catch {
                    if case .success = whole { Issue.record("the newest readings refused what the whole read read: \(error)") }
                }
            }
        })
    }

    @Test func deepNestingIsRefusedNotRecursedInto() async {
        await propertyCheck(count: 40, input: Gen.int(in: 1...200_000), Gen.bool, perform: failingOnThrow { depth, objects in
            let open = objects ? #"{"a":"# : "["
            let close = objects ? "}" : "]"
            let nested = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
            let body = #"{"status":"success","extra":"# + nested + #","data":{"resultType":"vector","result":[]}}"#
            let result = Self.parse(Array(body.utf8))
            // The document itself is one level, so a member may nest one less than the limit.
            if depth < QueryResponse.maxDepth {
                #expect((try? result.get())?.isEmpty == true, "depth \(depth)")
            } else {
                #expect((try? result.get()) == nil, "depth \(depth) was read")
            }
        })
    }

    @Test func hugeNumbersAndWrongTypesAreReadOrRefused() async {
        let oddValues = [
            #""1e999999""#, #""-1e999999""#, "\"" + String(repeating: "9", count: 100_000) + "\"", #""0x1p3""#, #""""#, #"" 1""#,
            "1", "null", "true", "{}", "[]", #""NaN""#, #""nan""#, #""Infinity""#, "\"1\u{0}\"",
        ]
        let oddTimestamps = ["1e999999", "-1e999999", String(repeating: "1", count: 100_000), "\"1\"", "null", "-", "+", ".", "e", "1e", "--1"]
        let oddMetrics = [#"{"a":1}"#, #"{"a":null}"#, #"{"a":["b"]}"#, "[]", "\"x\"", "null", #"{"\ud800":"x"}"#, #"{"a":"\u12G4"}"#]
        await propertyCheck(count: 300, input: Gen.element(of: oddValues), Gen.element(of: oddTimestamps), Gen.element(of: oddMetrics),
                            Gen.bool, perform: failingOnThrow { value, timestamp, metric, matrix in
            let point = "[\(timestamp ?? "1"),\(value ?? "\"1\"")]"
            let entry = matrix ? #"{"metric":\#(metric ?? "{}"),"values":[\#(point)]}"# : #"{"metric":\#(metric ?? "{}"),"value":\#(point)}"#
            let body = #"{"status":"success","data":{"resultType":"\#(matrix ? "matrix" : "vector")","result":[\#(entry)]}}"#
            if case .success(let series) = Self.parse(Array(body.utf8)) {
                // Whatever was read is one series with one point, whose value is a number (±Inf and NaN included).
                #expect(series.count == 1 && series[0].points.count == 1)
            }
        })
    }
}
