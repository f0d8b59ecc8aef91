/// Filters and page of `GET /edge/problems`. Pure: `FleetIndex` answers it. Parsed from the URL in `HTTP/`.
public struct ProblemRequest: Sendable, Hashable {
    public var severities: Set<Severity> = []
    public var codes: Set<ProblemCode> = []
    public var paging = Paging(page: 1, limit: nil)

    public init() {}

    var isFiltering: Bool { !severities.isEmpty || !codes.isEmpty }

    func matches(_ item: ProblemList.Item) -> Bool {
        (severities.isEmpty || severities.contains(item.severity)) && (codes.isEmpty || codes.contains(item.code))
    }
}
