/// The whole fleet, aggregated by Prometheus to one series per node and column, each tagged `<column>:<exporter>`.
/// One query per exporter (a constant number, whatever the fleet size), sent together so Prometheus evaluates
/// them side by side.
public struct FleetQuery: Sendable {
    let queries: GPUQueries

    public var promQL: [PromQL] {
        queries.exporters.exporters.map { exporter in
            let scope = queries.fleetScope(exporter)
            let clauses = FleetColumn.allCases.compactMap { column in
                exporter.fleetExpression(column, in: scope).map { FamilyTag.tag($0, as: FamilyTag.tag(Self.prefix + column.rawValue, exporter.kind)) }
            }
            return PromQL(trusted: clauses.joined(separator: " or "))
        }
    }

    static let prefix = "fleet_"

    /// One node's columns as Prometheus aggregated them; nil where not measured.
    public struct Row: Sendable, Equatable {
        public var node: String
        public var exporter: ExporterKind
        public var utilization, temperature, power: Double?
        /// Unix seconds of the node's newest heartbeat.
        public var seen: Double?
        public var model: String?

        public init(node: String, exporter: ExporterKind, utilization: Double? = nil, temperature: Double? = nil, power: Double? = nil,
                    seen: Double? = nil, model: String? = nil) {
            self.node = node
            self.exporter = exporter
            self.utilization = utilization
            self.temperature = temperature
            self.power = power
            self.seen = seen
            self.model = model
        }
    }

    /// The rows, one per node, in no particular order.
    public func decode(_ answer: [Series]) -> [Row] {
        var rows: [String: Row] = [:]
        for series in answer {
            guard let (name, kind) = series.labels[FamilyTag.label].flatMap(FamilyTag.parse), name.hasPrefix(Self.prefix),
                  let column = FleetColumn(rawValue: String(name.dropFirst(Self.prefix.count))),
                  let exporter = queries.exporters.exporter(kind),
                  let node = series.labels[queries.nodeLabels[exporter].rawValue], !node.isEmpty else { continue }
            let value = series.latest.flatMap { $0.value.isFinite ? $0.value.roundedToMillionths : nil }
            var row = rows[node] ?? Row(node: node, exporter: kind)
            switch column {
            case .utilization: row.utilization = value
            case .temperature: row.temperature = value
            case .power: row.power = value
            case .seen: row.seen = series.latest?.value
            case .model:
                let name = series.labels[exporter.modelLabel.label]
                row.model = name?.isEmpty == false ? name : row.model
            }
            rows[node] = row
        }
        return Array(rows.values)
    }
}
