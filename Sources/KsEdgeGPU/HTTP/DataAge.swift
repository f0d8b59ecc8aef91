import Foundation
import HTTPTypes
import Hummingbird
import Metrics

extension HTTPField.Name {
    static let dataAge = Self("X-Data-Age")!
}

/// `X-Data-Age`: whole seconds since the newest data in an answer was observed, on every snapshot, fleet and summary
/// answer whose data has a time. A console can tell a fresh answer from one served from SQLite while Prometheus is
/// down without reading the body. Answers whose data is stale are counted for `/metrics`.
enum DataAge {
    static let staleSnapshots = Counter(label: "ks_edge_gpu_stale_answers_total", dimensions: [("route", "snapshot")])
    static let staleFleets = Counter(label: "ks_edge_gpu_stale_answers_total", dimensions: [("route", "fleet")])

    static func seconds(since observed: Date?, now: Date) -> String? {
        observed.map { String(max(0, Int(now.timeIntervalSince($0).rounded(.down)))) }
    }
}

extension Response {
    /// Sets `X-Data-Age` from `observed`; counts the answer when its data is stale.
    func dated(_ observed: Date?, now: Date, stale: Bool, counter: Counter) -> Response {
        var response = self
        if let age = DataAge.seconds(since: observed, now: now) { response.headers[.dataAge] = age }
        if stale { counter.increment() }
        return response
    }
}
