import PropertyBased
import Testing
@testable import KsEdgeGPU

/// Pages against the plain way of counting them, with pages and limits as large as a client can send.
@Suite struct PagingTests {
    /// Rows `first..<first + limit` as whole-number arithmetic gives them, without multiplying.
    static func reference(_ rows: [Int], page: Int, limit: Int) -> [Int] {
        // (page - 1) * limit >= rows.count exactly when page - 1 >= ceil(rows.count / limit).
        let pagesBefore = page - 1
        guard pagesBefore < (rows.count + limit - 1) / limit else { return [] }
        let first = pagesBefore * limit
        return Array(rows[first..<min(first + limit, rows.count)])
    }

    /// Near pages, far pages, and the largest ones.
    static let pages = Generator<Int, Shrink.None<Int>>(run: { rng in
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: Int.random(in: 1...8, using: &rng)
        case 1: Int.random(in: 1...Int.max, using: &rng)
        case 2: Int.max - Int.random(in: 0...3, using: &rng)
        // Just past a page boundary of some limit (from 2: Int.max / 1 + 1 would overflow; case 2 covers Int.max).
        default: Int.max / Int.random(in: 2...Paging.maxLimit, using: &rng) + 1
        }
    })

    @Test func everyPageIsTheRowsItCovers() async {
        await propertyCheck(count: 2_000, input: Gen.int(in: 0...40), Self.pages, Gen.int(in: 1...Paging.maxLimit), perform: failingOnThrow { count, page, limit in
            let rows = Array(0..<count)
            let paging = Paging(page: page, limit: limit)
            #expect(Array(paging.slice(rows)) == Self.reference(rows, page: page, limit: limit), "page \(page) limit \(limit)")
            #expect(paging.pageCount(of: count) == (count + limit - 1) / limit)
        })
    }

    @Test func noLimitIsEveryRowOnOnePage() {
        let paging = Paging(page: Int.max)
        #expect(Array(paging.slice(Array(0..<7))) == Array(0..<7))
        #expect(paging.pageCount(of: 7) == 1)
        #expect(paging.pageCount(of: 0) == 0)
    }
}
