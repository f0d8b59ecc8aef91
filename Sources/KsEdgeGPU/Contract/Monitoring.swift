import Foundation

// KubeSphere's monitoring envelope (`monitoring.kubesphere.io` v1alpha3 / v1beta1), as the console's charts read it:
// {"results":[{"metric_name":"node_per_gpu_temp","data":{"resultType":"vector","result":[{"metric":{…},"value":[ts,"v"]}]}}]}
// Values are strings, as in Prometheus' API; ratios are 0-1 here (percent elsewhere in the API).

public struct MonitoringResults: Codable, Sendable, Equatable {
    public var results: [MonitoringResult]
    /// Set on the every-node answer: KubeSphere's paging of the nodes.
    public var page: Int?
    public var totalPage: Int?
    public var totalItem: Int?

    enum CodingKeys: String, CodingKey {
        case results, page
        case totalPage = "total_page"
        case totalItem = "total_item"
    }

    public init(results: [MonitoringResult], page: Int? = nil, totalPage: Int? = nil, totalItem: Int? = nil) {
        self.results = results
        self.page = page
        self.totalPage = totalPage
        self.totalItem = totalItem
    }
}

public struct MonitoringResult: Codable, Sendable, Equatable {
    public var metricName: String
    public var data: MonitoringData
    /// A metric that could not be read carries its own error; the others still answer.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case metricName = "metric_name"
        case data, error
    }

    public init(metricName: String, data: MonitoringData, error: String? = nil) {
        self.metricName = metricName
        self.data = data
        self.error = error
    }
}

public struct MonitoringData: Codable, Sendable, Equatable {
    /// `vector` (one value per series) or `matrix` (values over time).
    public var resultType: String
    public var result: [MonitoringSeries]

    public init(resultType: String, result: [MonitoringSeries]) {
        self.resultType = resultType
        self.result = result
    }
}

public struct MonitoringSeries: Codable, Sendable, Equatable {
    public var metric: [String: String]
    /// Instant answers.
    public var value: MonitoringPoint?
    /// Range answers, oldest first.
    public var values: [MonitoringPoint]?

    public init(metric: [String: String], value: MonitoringPoint? = nil, values: [MonitoringPoint]? = nil) {
        self.metric = metric
        self.value = value
        self.values = values
    }
}

/// `[1700000000, "41.5"]`: unix seconds and the value as a string.
public struct MonitoringPoint: Codable, Sendable, Equatable {
    public var timestamp: Double
    public var value: Double

    public init(timestamp: Double, value: Double) {
        self.timestamp = timestamp
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        timestamp = try container.decode(Double.self)
        let text = try container.decode(String.self)
        guard let value = Double(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a number")
        }
        self.value = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(timestamp)
        try container.encode(Self.text(value))
    }

    /// Prometheus' own form: `41.5`, `12`, `0.25`.
    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
