/// The whole fleet, aggregated by Prometheus to one series per node and column, each tagged `<column>:<exporter>`;
/// the `seen` column's series also carries the model and whether the time is a push's. One query per exporter and one
/// for node-exporter's RAM (a constant number, whatever the fleet size), sent together so Prometheus evaluates them
/// side by side. The same clauses are the fleet's recording rules (`FleetRecordingRules`), whose recorded series
/// decode to the same rows.
public struct FleetQuery: Sendable {
    let queries: GPUQueries

    /// One per-node column of one source: the PromQL computing it, the tag its series carry in the fleet query, and
    /// the name of the recording rule that records it (`level:metric:operations`).
    public struct Clause: Sendable, Equatable {
        public let expression: String
        public let tag: String
        public let record: String
        public let source: DataSource
    }

    /// The clauses, one group per query: each exporter's columns, then node-exporter's.
    public var clauseGroups: [[Clause]] {
        let perExporter = queries.exporters.exporters.map { exporter in
            let scope = queries.fleetScope(exporter)
            let source = DataSource(exporter.kind)
            return FleetColumn.allCases.compactMap { column in
                exporter.fleetExpression(column, in: scope).map {
                    let expression = switch column {
                    case .seen: Self.seen(heartbeat: $0, exporter, in: scope)
                    case .temperature where exporter.isIntegrated: integratedTemperature(own: $0, exporter, in: scope)
                    default: $0
                    }
                    return Clause(expression: expression, tag: FamilyTag.tag(Self.prefix + column.rawValue, exporter.kind),
                                  record: Self.record(column), source: source)
                }
            }
        }
        let nodeExporter = queries.exporters.nodeExporter
        let scope = queries.nodeExporterScope(.every)
        return perExporter + [[
            Clause(expression: nodeExporter.fleetMemoryExpression(in: scope), tag: Self.hostMemory,
                   record: Self.record("host_memory_utilization_percent", "max"), source: .nodeExporter),
        ]]
    }

    /// An integrated GPU without a temperature of its own reads its board's `gpu` thermal zone from node-exporter, as
    /// the snapshot does: in the exporter's column (node-exporter's node label copied onto the exporter's where they
    /// differ), for the nodes carrying the exporter's heartbeat, rather than a column of every node's zone.
    func integratedTemperature(own: String, _ exporter: any GPUExporter, in scope: ExpressionScope) -> String {
        let node = scope.nodeLabel.rawValue
        let host = queries.nodeExporterScope(.every)
        var zone = queries.exporters.nodeExporter.fleetGPUZoneExpression(in: host)
        if host.nodeLabel != scope.nodeLabel {
            zone = "max by (\(node)) (label_replace(\(zone), \"\(node)\", \"$1\", \"\(host.nodeLabel.rawValue)\", \"(.+)\"))"
        }
        return "\(own) or on (\(node)) (\(zone) and on (\(node)) group by (\(node)) (\(scope.family(exporter.heartbeat))))"
    }

    /// Per node, one series for three columns: the last push where the node pushes through a Pushgateway (labelled
    /// `pushed="true"`), else the newest heartbeat; carrying the model label where the exporter reports a model.
    /// `heartbeat` is the exporter's `seen` column. The time's expression is written twice (PromQL has no variables):
    /// once joined to the model, once for a node without one.
    static func seen(heartbeat: String, _ exporter: any GPUExporter, in scope: ExpressionScope) -> String {
        let node = scope.nodeLabel.rawValue
        let push = "label_replace(\(LastPush.expression(in: scope, of: exporter)), \"\(pushedLabel)\", \"true\", \"\", \"\")"
        let time = "(\(push) or on (\(node)) \(heartbeat))"
        return "\(time) * on (\(node)) group_left (\(exporter.modelLabel.label)) \(exporter.fleetModelExpression(in: scope)) or on (\(node)) \(time)"
    }

    /// The label on the `seen` series of a node whose time is its last push.
    static let pushedLabel = "pushed"

    public var promQL: [PromQL] {
        clauseGroups.map { group in PromQL(trusted: group.map { FamilyTag.tag($0.expression, as: $0.tag) }.joined(separator: " or ")) }
    }

    /// `node:ks_edge_gpu_fleet_<metric>:<operation>`: per node, what, and how it was aggregated.
    static func record(_ metric: String, _ operation: String) -> String { "node:ks_edge_gpu_fleet_\(metric):\(operation)" }

    static func record(_ column: FleetColumn) -> String {
        switch column {
        case .utilization: record("gpu_utilization_percent", "avg")
        case .temperature: record("gpu_temperature_celsius", "max")
        case .power: record("power_watts", "sum")
        case .seen: record("last_seen_timestamp_seconds", "max")
        case .memory: record("memory_utilization_percent", "max")
        case .gpuCount: record("gpus", "count")
        case .gpuMemoryUsed: record("gpu_memory_used_bytes", "sum")
        case .gpuMemoryTotal: record("gpu_memory_total_bytes", "sum")
        }
    }

    static let prefix = "fleet_"
    static let hostMemory = "fleet_node_exporter_memory"

    /// One node's columns as Prometheus aggregated them; nil where not measured.
    public struct Row: Sendable, Equatable {
        public var node: String
        public var exporter: ExporterKind
        public var utilization, temperature, power: Double?
        /// Percent of RAM in use: node-exporter's where it runs, else the exporter's own.
        public var memory: Double?
        /// The GPUs with a load reading, and their memory used and installed (bytes), summed.
        public var gpuCount: Int?
        public var gpuMemoryUsed, gpuMemoryTotal: Double?
        /// Unix seconds of the node's newest heartbeat, or of its last push when it pushes through a Pushgateway.
        public var seen: Double?
        /// The node's series come through a Pushgateway.
        public var pushed = false
        public var model: String?

        public init(node: String, exporter: ExporterKind, utilization: Double? = nil, temperature: Double? = nil, power: Double? = nil,
                    memory: Double? = nil, seen: Double? = nil, pushed: Bool = false, model: String? = nil) {
            self.node = node
            self.exporter = exporter
            self.utilization = utilization
            self.temperature = temperature
            self.power = power
            self.memory = memory
            self.seen = seen
            self.pushed = pushed
            self.model = model
        }
    }

    /// The rows, one per node a GPU exporter describes, in no particular order.
    public func decode(_ answer: [Series]) -> [Row] {
        var rows = RowBuilder(query: self)
        for series in answer {
            if let tag = series.labels[FamilyTag.label] { rows.add(series, tag: tag) }
        }
        return rows.rows
    }

    /// Builds the rows from tagged series one at a time, so a fleet's answer is folded as it is read.
    public struct RowBuilder: Sendable {
        let query: FleetQuery
        private var byNode: [String: Row] = [:]
        private var hostMemory: [String: Double] = [:]

        init(query: FleetQuery) { self.query = query }

        /// One series of the column or node-exporter reading that `tag` names.
        public mutating func add(_ series: Series, tag: String) {
            let queries = query.queries
            let value = series.latest.flatMap { $0.value.isFinite ? $0.value.roundedToMillionths : nil }
            if tag == FleetQuery.hostMemory {
                guard let node = series.labels[queries.nodeLabels.nodeExporter.rawValue], !node.isEmpty else { return }
                hostMemory[node] = value
                return
            }
            guard let (name, source) = FamilyTag.parse(tag), let exporter = queries.exporters.exporter(source),
                  let node = series.labels[queries.nodeLabels[exporter].rawValue], !node.isEmpty else { return }
            guard name.hasPrefix(FleetQuery.prefix), let column = FleetColumn(rawValue: String(name.dropFirst(FleetQuery.prefix.count))) else { return }
            var row = byNode[node] ?? Row(node: node, exporter: exporter.kind)
            switch column {
            case .utilization: row.utilization = value
            case .temperature: row.temperature = value
            case .power: row.power = value
            case .memory: row.memory = value
            case .seen:
                row.seen = series.latest?.value
                row.pushed = series.labels[FleetQuery.pushedLabel] == "true"
                if let model = series.labels[exporter.modelLabel.label], !model.isEmpty { row.model = model }
            case .gpuCount: row.gpuCount = value.map { Int($0) }
            case .gpuMemoryUsed: row.gpuMemoryUsed = value
            case .gpuMemoryTotal: row.gpuMemoryTotal = value
            }
            byNode[node] = row
        }

        /// The rows, with node-exporter's RAM where it runs, and for an integrated GPU its count: one, where the node
        /// is seen.
        public var rows: [Row] {
            var rows = byNode
            for (node, memory) in hostMemory where rows[node] != nil { rows[node]?.memory = memory }
            let exporters = query.queries.exporters
            for (node, row) in rows where row.seen != nil && exporters.exporter(row.exporter)?.isIntegrated == true {
                rows[node]?.gpuCount = 1
            }
            return Array(rows.values)
        }
    }
}
