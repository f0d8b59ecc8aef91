/// A 1-based page of `limit` rows, as `GET /edge/nodes` and KubeSphere's node lists ask for one. Both numbers come
/// from clients, so no page overflows, however far it is: a page past the end is empty.
public struct Paging: Sendable, Hashable {
    public var page: Int
    /// `nil`: every row, on one page.
    public var limit: Int?

    public static let maxLimit = 10_000

    public init(page: Int = 1, limit: Int? = nil) {
        self.page = page
        self.limit = limit
    }

    /// The rows of this page out of `rows` (already filtered and in order).
    func slice<Row>(_ rows: [Row]) -> ArraySlice<Row> {
        guard let limit else { return rows[...] }
        let size = max(limit, 0)
        let (skipped, overflow) = max(page - 1, 0).multipliedReportingOverflow(by: size)
        let first = overflow ? rows.count : min(skipped, rows.count)
        return rows[first..<(first + min(size, rows.count - first))]
    }

    /// How many pages `count` rows fill; none when there are no rows.
    func pageCount(of count: Int) -> Int {
        guard count > 0 else { return 0 }
        guard let limit, limit > 0 else { return 1 }
        return (count - 1) / limit + 1
    }
}
