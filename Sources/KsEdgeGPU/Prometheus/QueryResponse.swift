import Foundation

/// The body of `/api/v1/query` and `/api/v1/query_range`:
/// `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{…},"values":[[ts,"v"],…]}]}}`.
struct QueryResponse: Decodable {
    var status: String
    var data: DataSection?
    var errorType: String?
    var error: String?

    struct DataSection: Decodable {
        var resultType: String
        var result: [Entry]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            resultType = try container.decode(String.self, forKey: .resultType)
            // Scalar and string results are a bare point, not a list of series.
            if resultType == "vector" || resultType == "matrix" {
                result = try container.decode([Entry].self, forKey: .result)
            } else {
                result = [Entry(metric: [:], value: try container.decode(WirePoint.self, forKey: .result), values: nil)]
            }
        }

        enum CodingKeys: String, CodingKey { case resultType, result }
    }

    struct Entry: Decodable {
        var metric: [String: String]
        var value: WirePoint?
        var values: [WirePoint]?
    }

    /// `[1700000000.123, "42.5"]`: Prometheus sends values as strings so NaN and ±Inf survive JSON.
    struct WirePoint: Decodable {
        var point: Series.Point

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            let timestamp = try container.decode(Double.self)
            let text = try container.decode(String.self)
            guard let value = Double(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "sample value \(text) is not a number")
            }
            point = Series.Point(timestamp: timestamp, value: value)
        }
    }

    /// The series, or the error Prometheus reported.
    func series() throws(UpstreamError) -> [Series] {
        guard status == "success", let data else {
            throw .badResponse([errorType, error].compactMap { $0 }.joined(separator: ": "))
        }
        return data.result.map { entry in
            Series(labels: entry.metric, points: entry.values?.map(\.point) ?? entry.value.map { [$0.point] } ?? [])
        }
    }
}
