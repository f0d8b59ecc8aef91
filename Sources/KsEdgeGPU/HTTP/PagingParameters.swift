/// `page` and `limit`, as KubeSphere's list APIs name them: `page` alone pages by `defaultLimit`; neither is every row.
/// A bad one is a 400 naming it.
extension Paging {
    static func parse(_ parameters: [String: String], defaultLimit: Int) throws(APIError) -> Paging {
        var paging = Paging()
        if let text = parameters["page"] {
            guard let page = Int(text), page >= 1 else { throw .invalidParameter("page", "must be a whole number from 1") }
            paging.page = page
            paging.limit = defaultLimit
        }
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...maxLimit).contains(limit) else {
                throw .invalidParameter("limit", "must be a whole number from 1 to \(maxLimit)")
            }
            paging.limit = limit
        }
        return paging
    }
}
