import Foundation

/// Filters and page of `GET /edge/inventory`: each filter an exact value (what a facet lists), all of them together.
/// Pure: answered from the inventory's boards in memory. Parsed from the URL in `HTTP/`.
public struct InventoryRequest: Sendable, Hashable {
    public var model: String?
    public var jetpack: String?
    public var l4t: String?
    public var driver: String?
    public var exporter: ExporterKind?
    public var paging = Paging(page: 1, limit: nil)

    public init() {}

    func matches(_ board: BoardRecord) -> Bool {
        (model == nil || board.model == model) && (jetpack == nil || board.jetpack == jetpack) && (l4t == nil || board.l4t == l4t)
            && (driver == nil || board.driverVersion == driver) && (exporter == nil || board.exporter == exporter)
    }

    /// The selected boards A to Z by node, one page of them, and the facets of every selected board.
    public func answer(_ boards: [BoardRecord]) -> InventoryList {
        let selected = boards.filter(matches).sorted { $0.node < $1.node }
        var facets = InventoryList.Facets()
        func count(_ facet: WritableKeyPath<InventoryList.Facets, [String: Int]>, _ value: String?) {
            if let value, !value.isEmpty { facets[keyPath: facet][value, default: 0] += 1 }
        }
        for board in selected {
            count(\.model, board.model)
            count(\.jetpack, board.jetpack)
            count(\.l4t, board.l4t)
            count(\.driver, board.driverVersion)
            count(\.exporter, board.exporter.rawValue)
        }
        return InventoryList(items: paging.slice(selected).map(\.item), totalItems: selected.count, facets: facets)
    }
}
