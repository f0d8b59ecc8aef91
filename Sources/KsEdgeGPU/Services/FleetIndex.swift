import Foundation
import Synchronization

/// The whole fleet as one refresh read it: every row, the summary, every sort order worked out once, and the encoded
/// answers of the views asked for. Fleet requests are answered from it without Prometheus, without sorting, and for a
/// view asked before without encoding; the next refresh replaces it whole, so nothing in it outlives its data.
public final class FleetIndex: Sendable {
    public typealias Origin = FleetIndexState.Origin

    /// Every row, A to Z by node.
    public let fleet: FleetList
    /// Every current problem, worst first (then by node), for `/edge/problems`.
    public let problems: [ProblemList.Item]
    /// When each online row's data stops being current: from then on it is answered `stale` (`restated(at:)`).
    let staleAt: [String: Date]
    /// When it is next restated: the next of those instants, but at most once per `restatingGap` (a loaded fleet's rows
    /// go stale one by one, and each restatement rebuilds the index); nil when no row is online.
    public let nextChange: Date?
    static let restatingGap: TimeInterval = 1
    public let summary: EncodedJSON<FleetSummary>
    public let origin: Origin
    /// Its rows were read from the fleet's recording rules rather than aggregated by the refresh.
    public let recorded: Bool
    /// When Prometheus last gave these rows (an index kept after a failed refresh keeps its time); nil for `storage`.
    public let readAt: Date?
    /// The nodes Prometheus scrapes itself, as the refresh read them (none behind a Pushgateway): their snapshots ask for
    /// a scrape's window of samples only.
    public let scraped: Set<String>
    /// The newest `lastSeen` of any row, and whether no row is online: the answers' `X-Data-Age` and stale count.
    public let newestData: Date?
    public let isStale: Bool

    /// Each node's row position.
    private let positions: [String: Int]

    /// Row positions in each order, keyed by sort key and direction.
    private let orders: [OrderKey: [Int]]
    private let views = Mutex<[FleetRequest: EncodedJSON<FleetList>]>([:])

    /// At most this many views are kept encoded per index; views beyond are encoded on each request.
    static let viewLimit = 64
    /// Views encoded as the index is made, so the first request after each refresh costs no encoding either: the whole
    /// fleet (the console's request) and the page's first view.
    static let preparedViews: [FleetRequest] = [FleetRequest(), FleetRequest(sortBy: .node, ascending: true, page: 1, limit: pageLimit)]
    /// The operator page's rows per page (`DEFAULT_LIMIT` in Public/js/fleet.js).
    static let pageLimit = 20

    struct OrderKey: Hashable {
        let sortBy: FleetRequest.SortKey
        let ascending: Bool
    }

    /// Sorts `items` by node, works out every order and the summary, and encodes the prepared views.
    public convenience init(items: [FleetList.Item], problems: [ProblemList.Item] = [], staleAt: [String: Date] = [:], origin: Origin,
                            readAt: Date?, recorded: Bool = false, scraped: Set<String> = []) throws {
        let items = items.sorted { $0.node < $1.node }
        try self.init(sorted: items, orders: Self.orders(items, FleetRequest.SortKey.allCases), problems: problems, staleAt: staleAt,
                      origin: origin, readAt: readAt, recorded: recorded, scraped: scraped, restatedAt: nil)
        for view in Self.preparedViews {
            _ = try answer(view)
        }
    }

    /// Row positions of `items` in the orders of `keys`, both directions.
    static func orders(_ items: [FleetList.Item], _ keys: [FleetRequest.SortKey]) -> [OrderKey: [Int]] {
        var orders: [OrderKey: [Int]] = [:]
        for sortBy in keys {
            for ascending in [true, false] {
                let order = FleetRequest(sortBy: sortBy, ascending: ascending)
                orders[OrderKey(sortBy: sortBy, ascending: ascending)] = items.indices.sorted { order.areInOrder(items[$0], items[$1]) }
            }
        }
        return orders
    }

    /// `items` already A to Z by node, with their orders worked out.
    private init(sorted items: [FleetList.Item], orders: [OrderKey: [Int]], problems: [ProblemList.Item], staleAt: [String: Date],
                 origin: Origin, readAt: Date?, recorded: Bool, scraped: Set<String>, restatedAt: Date?) throws {
        let online = Set(items.filter { $0.status == .online }.map(\.node))
        self.staleAt = staleAt.filter { online.contains($0.key) }
        nextChange = self.staleAt.values.min().map { next in restatedAt.map { max(next, $0.addingTimeInterval(Self.restatingGap)) } ?? next }
        fleet = FleetList(items: items, totalItems: items.count)
        positions = Dictionary(items.enumerated().map { ($1.node, $0) }, uniquingKeysWith: { first, _ in first })
        self.problems = problems.sorted { ($0.severity, $1.node, $1.code.order, $1.gpu ?? -1, $1.sensor ?? "") > ($1.severity, $0.node, $0.code.order, $0.gpu ?? -1, $0.sensor ?? "") }
        summary = try EncodedJSON(value: FleetSummary(fleet))
        self.origin = origin
        self.readAt = readAt
        self.recorded = recorded
        self.scraped = scraped
        newestData = items.compactMap(\.lastSeen).max()
        // Nodes listed and none online: Prometheus down, or every node's data old.
        isStale = !items.isEmpty && !items.contains { $0.status == .online }
        self.orders = orders
    }

    /// The index kept when a refresh fails: the same rows, none of them `online` any more (their problems restated
    /// with `node_stale`), its read time unchanged.
    public func keptAfterFailedRefresh() throws -> FleetIndex {
        if origin != .prometheus { return self }
        return try markingStale(Set(fleet.items.filter { $0.status == .online }.map(\.node)), origin: .kept)
    }

    /// The index as of `now`: the rows whose data stopped being current since it was read are `stale`, as their
    /// snapshots now say, without asking Prometheus; itself when none is due.
    public func restated(at now: Date) throws -> FleetIndex {
        let due = Set(staleAt.filter { $0.value < now }.keys)
        return due.isEmpty ? self : try markingStale(due, origin: origin, at: now)
    }

    /// The same index with the online rows `wentStale` stale, their problems with `node_stale`.
    private func markingStale(_ wentStale: Set<String>, origin: Origin, at now: Date? = nil) throws -> FleetIndex {
        var problems = self.problems
        for node in wentStale.sorted() {
            problems.append(ProblemList.Item(node: node, Problems.statusProblem(.stale)!))
        }
        let perNode = Dictionary(grouping: problems, by: \.node)
        let items = fleet.items.map { item in
            var item = item
            guard wentStale.contains(item.node) else { return item }
            item.status = .stale
            let found = perNode[item.node] ?? []
            item.health = HealthStatus(worst: found.map(\.severity).max())
            item.problems = found.count
            return item
        }
        // Cheap, as it may happen between refreshes: the rows keep their places and every order but health's; views are
        // encoded when asked.
        let orders = self.orders.merging(Self.orders(items, [.health])) { _, new in new }
        return try FleetIndex(sorted: items, orders: orders, problems: problems, staleAt: staleAt.filter { !wentStale.contains($0.key) },
                              origin: origin, readAt: readAt, recorded: recorded, scraped: scraped, restatedAt: now)
    }

    /// `node`'s row, if the fleet lists it.
    public func row(_ node: String) -> FleetList.Item? {
        positions[node].map { fleet.items[$0] }
    }

    /// The problems `request` selects, worst first, one page of them.
    public func problems(_ request: ProblemRequest) -> ProblemList {
        let selected = request.isFiltering ? problems.filter(request.matches) : problems
        return ProblemList(items: Array(request.paging.slice(selected)), totalItems: selected.count)
    }

    /// The rows `request` selects, in its order, one page of them, encoded.
    public func answer(_ request: FleetRequest) throws -> EncodedJSON<FleetList> {
        if let encoded = views.withLock({ $0[request] }) { return encoded }
        let encoded = try EncodedJSON(value: select(request))
        views.withLock { views in
            if views.count < Self.viewLimit { views[request] = encoded }
        }
        return encoded
    }

    /// The rows `request` selects, walked in its presorted order: no sort per request.
    func select(_ request: FleetRequest) -> FleetList {
        let order = orders[OrderKey(sortBy: request.sortBy, ascending: request.ascending)] ?? Array(fleet.items.indices)
        let items = fleet.items
        let wanted = request.page(of: request.isFiltering ? order.filter { request.matches(items[$0]) } : order)
        return FleetList(items: wanted.rows.map { items[$0] }, totalItems: wanted.total)
    }
}
