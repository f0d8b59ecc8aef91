import Foundation

/// The rules of `GET /edge/nodes/{name}/gpu/history`' query parameters; an invalid one is a 400 naming it.
extension HistoryRequest {
    /// From the URL's query parameters; `now` in seconds since the epoch.
    public static func parse(_ parameters: [String: String], now: Double) throws(APIError) -> HistoryRequest {
        let metrics: [HistoryMetric]
        if let text = parameters["metrics"], !text.isEmpty {
            var chosen: [HistoryMetric] = []
            for name in text.split(separator: ",").map({ $0.trimmingWhitespace() }) where !name.isEmpty {
                guard let metric = HistoryMetric(rawValue: String(name)) else {
                    throw .invalidParameter("metrics", "unknown metric '\(name.prefix(100))'; known: \(HistoryMetric.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if !chosen.contains(metric) { chosen.append(metric) }
            }
            guard !chosen.isEmpty else { throw .invalidParameter("metrics", "name at least one metric") }
            metrics = chosen
        } else {
            metrics = HistoryMetric.allCases
        }

        let end = try parameters["end"].map { text throws(APIError) in try time(text, name: "end") } ?? now
        let start = try parameters["start"].map { text throws(APIError) in try time(text, name: "start") } ?? max(0, end - defaultRange)
        guard start <= end else { throw .invalidParameter("start", "must not be after end") }
        guard end <= now + maxFuture else { throw .invalidParameter("end", "must not be more than a day ahead") }

        let step: Double
        if let text = parameters["step"] {
            guard let duration = try? DurationText.parse(text) else {
                throw .invalidParameter("step", "'\(text.prefix(100))' is not a number of seconds or a duration such as 30s or 5m")
            }
            step = duration.secondsValue
            guard step > 0 else { throw .invalidParameter("step", "must be greater than 0") }
        } else {
            step = max(1, ((end - start) / Double(defaultPoints - 1)).rounded(.up))
        }
        let range = HistoryQuery.Range(start: start, end: end, step: step).aligned
        let request = HistoryRequest(metrics: metrics, start: range.start, end: range.end, step: step)
        guard request.pointCount <= maxPoints else {
            throw .invalidParameter("step", "\(request.pointCount) points per series is more than \(maxPoints); use a larger step or a shorter range")
        }
        return request
    }

    /// RFC 3339 or unix seconds, never negative.
    static func time(_ text: String, name: String) throws(APIError) -> Double {
        if let seconds = Double(text), seconds.isFinite {
            guard seconds >= 0 else { throw .invalidParameter(name, "must not be negative") }
            return seconds
        }
        guard let date = RFC3339.parse(text) else {
            throw .invalidParameter(name, "'\(text.prefix(100))' is neither RFC 3339 (2026-11-23T12:00:00Z) nor unix seconds")
        }
        guard date.timeIntervalSince1970 >= 0 else { throw .invalidParameter(name, "must not be before 1970") }
        return date.timeIntervalSince1970
    }
}
