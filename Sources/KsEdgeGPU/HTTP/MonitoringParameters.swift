import Foundation

/// KubeSphere's monitoring parameters: `metrics_filter` (a regex over the names; names it matches that are not
/// served are left out, as KubeSphere does), `time`, or `start`, `end` and `step` (default 10m). A bad one is a 400
/// naming it.
extension MonitoringRequest {
    static let maxFilterLength = 1_000

    public static func parse(_ parameters: [String: String], now: Double) throws(APIError) -> MonitoringRequest {
        let filter = parameters["metrics_filter"].flatMap { $0.isEmpty ? nil : $0 } ?? ".*"
        guard filter.count <= maxFilterLength else { throw .invalidParameter("metrics_filter", "longer than \(maxFilterLength) characters") }
        guard MetricsFilter.selected(by: filter) != nil else { throw .invalidParameter("metrics_filter", "'\(filter.prefix(100))' is not a regular expression") }
        func request(time: Double?, range: HistoryQuery.Range?) -> MonitoringRequest {
            MonitoringRequest(filter: filter, time: time, range: range)
        }

        let time = try parameters["time"].map { text throws(APIError) in try HistoryRequest.time(text, name: "time") }
        let start = try parameters["start"].map { text throws(APIError) in try HistoryRequest.time(text, name: "start") }
        let end = try parameters["end"].map { text throws(APIError) in try HistoryRequest.time(text, name: "end") }
        if time != nil, start != nil || end != nil {
            throw .invalidParameter("time", "give either time (an instant) or start and end (a range), not both")
        }
        if let time, time > now + HistoryRequest.maxFuture { throw .invalidParameter("time", "must not be more than a day ahead") }
        guard let start else {
            if end != nil { throw .invalidParameter("start", "a range needs start as well as end") }
            return request(time: time, range: nil)
        }
        let last = end ?? now
        guard start <= last else { throw .invalidParameter("start", "must not be after end") }
        guard last <= now + HistoryRequest.maxFuture else { throw .invalidParameter("end", "must not be more than a day ahead") }
        var step = defaultStep
        if let text = parameters["step"] {
            guard let duration = try? DurationText.parse(text), duration.secondsValue > 0 else {
                throw .invalidParameter("step", "'\(text.prefix(100))' is not a positive duration such as 30s or 10m")
            }
            step = duration.secondsValue
        }
        let range = HistoryQuery.Range(start: start, end: last, step: step).aligned
        guard range.pointCount <= HistoryRequest.maxPoints else {
            throw .invalidParameter("step", "\(range.pointCount) points per series is more than \(HistoryRequest.maxPoints); use a larger step or a shorter range")
        }
        return request(time: nil, range: range)
    }
}

extension FleetMonitoringRequest {
    public static func parse(_ parameters: [String: String], now: Double) throws(APIError) -> FleetMonitoringRequest {
        let monitoring = try MonitoringRequest.parse(parameters, now: now)
        var sortMetric: ConsoleMetric?
        if let text = parameters["sort_metric"], !text.isEmpty {
            guard let metric = ConsoleMetric(rawValue: text) else {
                throw .invalidParameter("sort_metric", "'\(text.prefix(100))' is not one of \(ConsoleMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            sortMetric = metric
        }
        var ascending = false
        if let text = parameters["sort_type"] {
            guard ["asc", "desc"].contains(text) else { throw .invalidParameter("sort_type", "must be asc or desc") }
            ascending = text == "asc"
        }
        let paging = try Paging.parse(parameters, defaultLimit: defaultLimit)
        let nodeFilter = parameters["resources_filter"].flatMap { $0.isEmpty ? nil : $0 }
        if let nodeFilter {
            guard nodeFilter.count <= MonitoringRequest.maxFilterLength, (try? Regex(nodeFilter)) != nil else {
                throw .invalidParameter("resources_filter", "'\(nodeFilter.prefix(100))' is not a regular expression")
            }
        }
        return FleetMonitoringRequest(monitoring: monitoring, sortMetric: sortMetric, ascending: ascending, paging: paging,
                                      nodeFilter: nodeFilter)
    }
}
