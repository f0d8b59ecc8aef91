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

    @Test func escapedUnicodeAndSurrogatePairsAreDecoded() throws {
        let parsed = try series(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"n":"\u00e9\ud83d\ude80\/\b"},"value":[1,"2"]}]}}"#)
        #expect(parsed.first?.labels["n"] == "é🚀/\u{8}")
        #expect(throws: UpstreamError.self) { try series(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"n":"\ud83d"},"value":[1,"2"]}]}}"#) }
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
