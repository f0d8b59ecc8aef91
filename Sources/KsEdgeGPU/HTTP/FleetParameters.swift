/// The rules of `GET /edge/nodes`' query parameters; an invalid one is a 400 naming it.
extension FleetRequest {
    public static func parse(_ parameters: [String: String]) throws(APIError) -> FleetRequest {
        var query = FleetRequest()
        if let text = parameters["status"] {
            query.statuses = try set(text, name: "status", NodeStatus.init(rawValue:), known: NodeStatus.allCases.map(\.rawValue))
        }
        if let text = parameters["health"] {
            query.healths = try set(text, name: "health", HealthStatus.init(rawValue:), known: HealthStatus.allCases.map(\.rawValue))
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
        query.paging = try Paging.parse(parameters, defaultLimit: defaultLimit)
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
}

/// The rules of `GET /edge/problems`' query parameters; an invalid one is a 400 naming it.
extension ProblemRequest {
    public static func parse(_ parameters: [String: String]) throws(APIError) -> ProblemRequest {
        var query = ProblemRequest()
        if let text = parameters["severity"] {
            query.severities = try FleetRequest.set(text, name: "severity", Severity.init(rawValue:), known: Severity.allCases.map(\.rawValue))
        }
        if let text = parameters["code"] {
            query.codes = try FleetRequest.set(text, name: "code", ProblemCode.init(rawValue:), known: ProblemCode.allCases.map(\.rawValue))
        }
        query.paging = try Paging.parse(parameters, defaultLimit: FleetRequest.defaultLimit)
        return query
    }
}
