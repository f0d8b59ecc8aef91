import Foundation

/// Filters, order and page of `GET /edge/nodes`, with KubeSphere's paging names (`page`, `limit`, `sortBy`,
/// `ascending`). Pure: `FleetIndex` answers it from the whole fleet. Parsed from the URL in `HTTP/`.
public struct FleetRequest: Sendable, Hashable {
    public enum SortKey: String, CaseIterable, Sendable {
        case node, lastSeen, gpuUtilizationPercent, gpuTemperatureCelsius, powerWatts, memoryUtilizationPercent, health
    }

    public var statuses: Set<NodeStatus> = []
    /// Nodes whose worst problem is one of these (`ok` for none).
    public var healths: Set<HealthStatus> = []
    public var exporters: Set<ExporterKind> = []
    /// Case-insensitive substring of the model.
    public var model: String?
    /// Case-insensitive substring of the node name.
    public var text: String?
    public var sortBy: SortKey = .node
    /// Default: A to Z by node, largest first for every other column.
    public var ascending = true
    /// With no `limit` every item is returned.
    public var paging: Paging

    public static let defaultLimit = 10

    public init(sortBy: SortKey = .node, ascending: Bool = true, page: Int = 1, limit: Int? = nil) {
        self.sortBy = sortBy
        self.ascending = ascending
        self.paging = Paging(page: page, limit: limit)
    }

    /// Whether any filter is set (with none, every row matches).
    var isFiltering: Bool { !statuses.isEmpty || !healths.isEmpty || !exporters.isEmpty || model != nil || text != nil }

    /// Whether `item` passes every filter.
    func matches(_ item: FleetList.Item) -> Bool {
        (statuses.isEmpty || statuses.contains(item.status))
            && (healths.isEmpty || healths.contains(item.health))
            && (exporters.isEmpty || item.exporter.map(exporters.contains) == true)
            && (model.map { wanted in item.model?.range(of: wanted, options: .caseInsensitive) != nil } ?? true)
            && (text.map { wanted in item.node.range(of: wanted, options: .caseInsensitive) != nil } ?? true)
    }

    /// The page of `rows` (already filtered and in order) this request asks for, and how many there are in all.
    func page<Row>(of rows: [Row]) -> (rows: ArraySlice<Row>, total: Int) {
        (paging.slice(rows), rows.count)
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
        case .memoryUtilizationPercent: item.memoryUtilizationPercent.map(SortValue.number)
        // Worst first by default (largest first, as every column but the node), then the most problems.
        case .health: .number(Double(HealthStatus.allCases.firstIndex(of: item.health)! * 1_000_000 + min(item.problems, 999_999)))
        }
    }

    enum SortValue: Comparable {
        case number(Double)
        case text(String)
    }
}
