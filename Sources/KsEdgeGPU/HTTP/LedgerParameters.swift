import Foundation
import Hummingbird

/// The rules of the board ledger's query parameters; an invalid one is a 400 naming it.
extension EventRequest {
    /// The latest time accepted: the end of year 9999.
    static let latest = 253_402_300_799.0

    public static func parse(_ parameters: [String: String], csv: Bool = false) throws(APIError) -> EventRequest {
        var request = EventRequest()
        if let text = parameters["kind"] {
            request.kinds = try FleetRequest.set(text, name: "kind", BoardEventKind.init(rawValue:), known: BoardEventKind.allCases.map(\.rawValue))
        }
        for (name, path) in [("since", \EventRequest.since), ("until", \EventRequest.until)] {
            guard let text = parameters[name] else { continue }
            let seconds = try HistoryRequest.time(text, name: name)
            guard seconds <= latest else { throw .invalidParameter(name, "must be before the year 10000") }
            request[keyPath: path] = Date(timeIntervalSince1970: seconds)
        }
        if let since = request.since, let until = request.until, until <= since {
            throw .invalidParameter("until", "must be after since")
        }
        request.paging = try Paging.parse(parameters, defaultLimit: defaultLimit)
        // A spreadsheet takes as much as one page may hold; JSON a page of the default size.
        if request.paging.limit == nil { request.paging.limit = csv ? Paging.maxLimit : defaultLimit }
        return request
    }
}

extension InventoryRequest {
    public static func parse(_ parameters: [String: String]) throws(APIError) -> InventoryRequest {
        var request = InventoryRequest()
        let value = { (name: String) in parameters[name].flatMap { $0.isEmpty ? nil : $0 } }
        request.model = value("model")
        request.jetpack = value("jetpack")
        request.l4t = value("l4t")
        request.driver = value("driver")
        if let text = value("exporter") {
            guard let exporter = ExporterKind(rawValue: text) else {
                throw .invalidParameter("exporter", "'\(text.prefix(100))' is not one of \(ExporterKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            request.exporter = exporter
        }
        request.paging = try Paging.parse(parameters, defaultLimit: FleetRequest.defaultLimit)
        return request
    }
}

/// JSON, or CSV for a spreadsheet: `?format=csv`, or `Accept: text/csv` without a `format`.
enum AnswerFormat: String, CaseIterable {
    case json, csv

    static func of(_ request: Request, _ parameters: [String: String]) throws(APIError) -> AnswerFormat {
        if let text = parameters["format"] {
            guard let format = AnswerFormat(rawValue: text.lowercased()) else {
                throw .invalidParameter("format", "'\(text.prefix(100))' is not one of json, csv")
            }
            return format
        }
        let accepted = request.headers[values: .accept].flatMap { $0.split(separator: ",") }
            .map { $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "" }
        return accepted.contains("text/csv") && !accepted.contains("application/json") ? .csv : .json
    }
}
