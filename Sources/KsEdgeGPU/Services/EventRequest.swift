import Foundation

/// Filters and page of `GET /edge/events` and `GET /edge/nodes/{name}/events`. Parsed from the URL in `HTTP/`.
public struct EventRequest: Sendable, Hashable {
    public var kinds: Set<BoardEventKind> = []
    /// From `since` (inclusive) to `until` (exclusive).
    public var since: Date?
    public var until: Date?
    public var paging = Paging(page: 1, limit: EventRequest.defaultLimit)

    /// A year of a fleet's events is millions: a page unless asked otherwise.
    public static let defaultLimit = 100

    public init() {}

    /// The store's query for `node`'s events, or the fleet's.
    public func query(node: String?) -> EventQuery {
        let limit = paging.limit ?? Self.defaultLimit
        let (offset, overflow) = max(paging.page - 1, 0).multipliedReportingOverflow(by: limit)
        return EventQuery(node: node, kinds: kinds, since: since, until: until, offset: overflow ? Int.max : offset, limit: limit)
    }
}
