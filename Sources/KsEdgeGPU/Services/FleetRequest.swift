import Foundation

/// Filters, order and page of `GET /edge/nodes`, with KubeSphere's paging names (`page`, `limit`, `sortBy`,
/// `ascending`). Pure: applied to the whole (cached) fleet per request.
public struct FleetQuery: Sendable, Hashable {
    public enum SortKey: String, CaseIterable, Sendable {
        case node, lastSeen, gpuUtilizationPercent, gpuTemperatureCelsius, powerWatts
    }

    public var statuses: Set<NodeStatus> = []
    public var exporters: Set<ExporterKind> = []
    /// Case-insensitive substring of the model.
    public var model: String?
    /// Case-insensitive substring of the node name.
    public var text: String?
    public var sortBy: SortKey = .node
    /// Default: A to Z by node, largest first for every other column.
    public var ascending = true
    /// 1-based; with no `limit` every item is returned.
    public var page = 1
    public var limit: Int?

    public static let defaultLimit = 10
    public static let maxLimit = 10_000

    public init() {}

    public static func parse(_ parameters: [String: String]) throws(APIError) -> FleetQuery {
        var query = FleetQuery()
        if let text = parameters["status"] {
            query.statuses = try set(text, name: "status", NodeStatus.init(rawValue:), known: NodeStatus.allCases.map(\.rawValue))
        }
        if let text = parameters["exporter"] {
            query.exporters = try set(text, name: "exporter", ExporterKind.init(rawValue:), known: ExporterKind.allCases.map(\.rawValue))
        }
        query.model = parameters["model"].flatMap { $0.isEmpty ? nil : $0 }
        query.text = parameters["q"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = parameters["sortBy"] {
            guard let key = SortKey(rawValue: text) else {
                throw .invalidParameter("sortBy", "'\(text.prefix(100))' is not one of \(SortKey.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.sortBy = key
        }
        query.ascending = query.sortBy == .node
        if let text = parameters["ascending"] {
            guard let value = Bool(text.lowercased()) else { throw .invalidParameter("ascending", "must be true or false") }
            query.ascending = value
        }
        if let text = parameters["page"] {
            guard let page = Int(text), page >= 1 else { throw .invalidParameter("page", "must be a whole number from 1") }
            query.page = page
            query.limit = defaultLimit
        }
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...maxLimit).contains(limit) else {
                throw .invalidParameter("limit", "must be a whole number from 1 to \(maxLimit)")
            }
            query.limit = limit
        }
        return query
    }

    static func set<T>(_ text: String, name: String, _ make: (String) -> T?, known: [String]) throws(APIError) -> Set<T> {
        var values = Set<T>()
        for part in text.split(separator: ",") {
            guard let value = make(String(part)) else {
                throw .invalidParameter(name, "'\(part.prefix(100))' is not one of \(known.joined(separator: ", "))")
            }
            values.insert(value)
        }
        return values
    }

    /// The matching items in order, one page of them, and how many matched in all.
    public func apply(to fleet: FleetList) -> FleetList {
        let matching = fleet.items.filter { item in
            (statuses.isEmpty || statuses.contains(item.status))
                && (exporters.isEmpty || item.exporter.map(exporters.contains) == true)
                && (model.map { wanted in item.model?.range(of: wanted, options: .caseInsensitive) != nil } ?? true)
                && (text.map { wanted in item.node.range(of: wanted, options: .caseInsensitive) != nil } ?? true)
        }
        let sorted = matching.sorted(by: areInOrder)
        guard let limit else { return FleetList(items: sorted, totalItems: sorted.count) }
        let first = min((page - 1) * limit, sorted.count)
        return FleetList(items: Array(sorted[first..<min(first + limit, sorted.count)]), totalItems: sorted.count)
    }

    /// Unknown values sort last whichever the direction; ties go by node name.
    func areInOrder(_ lhs: FleetList.Item, _ rhs: FleetList.Item) -> Bool {
        let (left, right) = (sortValue(lhs), sortValue(rhs))
        switch (left, right) {
        case (nil, nil): return lhs.node < rhs.node
        case (nil, _): return false
        case (_, nil): return true
        case let (left?, right?):
            if left == right { return lhs.node < rhs.node }
            return ascending ? left < right : left > right
        }
    }

    func sortValue(_ item: FleetList.Item) -> SortValue? {
        switch sortBy {
        case .node: .text(item.node)
        case .lastSeen: item.lastSeen.map { .number($0.timeIntervalSince1970) }
        case .gpuUtilizationPercent: item.gpuUtilizationPercent.map(SortValue.number)
        case .gpuTemperatureCelsius: item.gpuTemperatureCelsius.map(SortValue.number)
        case .powerWatts: item.powerWatts.map(SortValue.number)
        }
    }

    enum SortValue: Comparable {
        case number(Double)
        case text(String)
    }
}
