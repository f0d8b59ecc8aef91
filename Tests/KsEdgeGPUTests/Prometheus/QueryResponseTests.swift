import Foundation
import Testing
@testable import KsEdgeGPU

@Suite struct QueryResponseTests {
    func series(_ json: String) throws(UpstreamError) -> [Series] { try QueryResponse.series(from: Array(json.utf8)) }

    @Test func vectorBecomesOnePointSeries() throws {
        let series = try series(#"""
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"__name__":"gpu_usage_gpu","instance":"a"},"value":[1700000000.5,"47.8"]}]}}
            """#)
        #expect(series == [Series(labels: ["__name__": "gpu_usage_gpu", "instance": "a"], points: [.init(timestamp: 1_700_000_000.5, value: 47.8)])])
    }

    @Test func matrixKeepsEveryPointInOrder() throws {
        let series = try series(#"""
            {"status":"success","warnings":["x"],"data":{"resultType":"matrix","result":[
              {"metric":{"instance":"a"},"values":[[1,"1"],[2,"NaN"],[3,"+Inf"]]}], "stats": {"a": [1, true, null]}}}
            """#)
        #expect(series.first?.points.map(\.timestamp) == [1, 2, 3])
        #expect(series.first?.points[1].value.isNaN == true)
        #expect(series.first?.latest?.value == .infinity)
    }

    @Test func prometheusErrorsBecomeBadResponse() throws {
        #expect(throws: UpstreamError.badResponse("bad_data: parse error at char 3")) {
            try series(#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#)
        }
        for broken in ["", "<html>502</html>", #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}"#,
                       #"{"status":"success","data":{"resultType":"vector","result":[]}} trailing"#,
                       #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"high"]}]}}"#] {
            #expect(throws: UpstreamError.self, "\(broken)") { try series(broken) }
        }
    }

    @Test func scalarResultIsOneUnlabelledPoint() throws {
        let series = try series(#"{"status":"success","data":{"resultType":"scalar","result":[5,"2"]}}"#)
        #expect(series == [Series(labels: [:], points: [.init(timestamp: 5, value: 2)])])
    }

    /// Random answers written by Foundation's JSON encoder read back exactly: escapes, unicode, NaN and ±Inf.
    @Test func randomAnswersReadBackExactly() throws {
        var random = SplitMix(seed: 0x6b73_6564_6765)
        let alphabet = Array("aZ09_-. \"\\/\n\t\u{1}é中🚀")
        func text() -> String { String((0..<random.next(upTo: 12)).map { _ in alphabet[random.next(upTo: alphabet.count)] }) }
        for round in 0..<200 {
            let expected = (0..<random.next(upTo: 6)).map { _ in
                Series(labels: Dictionary((0..<random.next(upTo: 5)).map { _ in ("l" + text(), text()) }, uniquingKeysWith: { a, _ in a }),
                       points: (0..<(1 + random.next(upTo: 4))).map { index in
                           let values: [Double] = [.nan, .infinity, -.infinity, 0, -1.5e-7, 123456789.125, Double(random.next(upTo: 1000)) / 7]
                           return .init(timestamp: 1_700_000_000 + Double(index) * 15.5, value: values[random.next(upTo: values.count)])
                       })
            }
            let matrix = round % 2 == 0
            let result: [[String: Any]] = expected.map { series in
                let points = series.points.map { [$0.timestamp, Self.prometheusText($0.value)] as [Any] }
                return matrix ? ["metric": series.labels, "values": points] : ["metric": series.labels, "value": points[0]]
            }
            let body = try JSONSerialization.data(withJSONObject: [
                "status": "success", "data": ["resultType": matrix ? "matrix" : "vector", "result": result],
            ])
            let parsed = try QueryResponse.series(from: Array(body))
            #expect(parsed.count == expected.count)
            for (got, want) in zip(parsed, expected) {
                #expect(got.labels == want.labels)
                let wantPoints = matrix ? want.points : [want.points[0]]
                #expect(got.points.map(\.timestamp) == wantPoints.map(\.timestamp))
                #expect(zip(got.points, wantPoints).allSatisfy { $0.value == $1.value || ($0.value.isNaN && $1.value.isNaN) })
            }
        }
    }

    @Test func escapedUnicodeAndSurrogatePairsAreDecoded() throws {
        let parsed = try series(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"n":"\u00e9\ud83d\ude80\/\b"},"value":[1,"2"]}]}}"#)
        #expect(parsed.first?.labels["n"] == "é🚀/\u{8}")
        #expect(throws: UpstreamError.self) { try series(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"n":"\ud83d"},"value":[1,"2"]}]}}"#) }
    }

    /// Prometheus' text for a sample value.
    static func prometheusText(_ value: Double) -> String {
        value.isNaN ? "NaN" : value == .infinity ? "+Inf" : value == -.infinity ? "-Inf" : "\(value)"
    }

    @Test func exporterCapturesParseLikePrometheus() throws {
        let series = try ExpositionParser.parse(#"""
            # HELP x help
            x{a="1",b="q\"uote\\d"} 3.41532e+06
            y 2 1700000000000
            """#, timestamp: 9)
        #expect(series[0].labels == ["__name__": "x", "a": "1", "b": #"q"uote\d"#])
        #expect(series[0].latest == .init(timestamp: 9, value: 3_415_320))
        #expect(series[1].latest == .init(timestamp: 1_700_000_000, value: 2))
        #expect(throws: ExpositionParser.ParseError.self) { try ExpositionParser.parse("x{a=1} 2") }
    }
}

/// A small seeded generator, so the random test is the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(upTo bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}
