/// Makes every query ks-edge-gpu sends, from the registered exporters and their node labels. Each query type
/// builds its PromQL and decodes its own answer, so services only send them and handle failures.
///
/// Instant selectors answer what Prometheus holds as current: a series whose target stopped answering is gone
/// (Prometheus marks it stale), so a node without samples is offline.
public struct GPUQueries: Sendable {
    public let exporters: ExporterRegistry
    public let nodeLabels: NodeLabels
    /// How counters (node-exporter's CPU time and network bytes) become rates, scraped or pushed.
    public let counterRate: CounterRate
    /// Seconds after its last push that a Pushgateway-fed node's values stop being current: 3 push intervals.
    public let pushedValuesLast: Double
    /// The ServiceMonitor's scrape interval: the grid a problem's time is read on.
    public let scrapeInterval: Duration
    /// The snapshot's selectors, written once: a cold snapshot only appends its node.
    let snapshotSelectors: SnapshotQuery.Selectors

    public init(exporters: ExporterRegistry = .standard, nodeLabels: NodeLabels? = nil, scrapeInterval: Duration = .seconds(60),
                pushInterval: Duration = .seconds(60)) {
        self.exporters = exporters
        self.nodeLabels = nodeLabels ?? NodeLabels(exporters)
        counterRate = CounterRate(scrapeInterval: scrapeInterval, pushInterval: pushInterval)
        pushedValuesLast = 3 * pushInterval.secondsValue
        self.scrapeInterval = scrapeInterval
        snapshotSelectors = SnapshotQuery.Selectors(exporters: exporters, byLabel: Self.exportersByLabel(exporters, self.nodeLabels),
                                                    nodeExporterLabel: self.nodeLabels.nodeExporter)
    }

    /// Seconds after a target's newest scrape that it has certainly missed one (Prometheus has marked its series
    /// stale): the next scrape's time, and one interval more for it to fail or be searchable, at least 5 s (a busy
    /// Prometheus takes that long to take in a large scrape).
    public var targetGoneAfter: Double {
        scrapeInterval.secondsValue + max(scrapeInterval.secondsValue, 5)
    }

    /// One node's snapshot; `scraped` when the node is known not to push through a Pushgateway.
    public func snapshot(_ node: NodeName, scraped: Bool = false) -> SnapshotQuery { SnapshotQuery(node: node, queries: self, scraped: scraped) }

    public var fleet: FleetQuery { FleetQuery(queries: self) }

    public func fleetProblems(_ thresholds: ProblemThresholds) -> FleetProblemsQuery { FleetProblemsQuery(queries: self, thresholds: thresholds) }

    /// One node's history.
    public func history(_ node: NodeName, metrics: [HistoryMetric]) -> HistoryQuery {
        HistoryQuery(nodes: .one(node), metrics: metrics, queries: self)
    }

    /// The listed nodes' history, or every node's with `nodes` nil.
    public func history(of nodes: NodeAlternation?, metrics: [HistoryMetric]) -> HistoryQuery {
        HistoryQuery(nodes: nodes.map(HistoryQuery.Nodes.listed) ?? .every, metrics: metrics, queries: self)
    }

    public var inventory: InventoryQuery { InventoryQuery(queries: self) }

    /// The exporters grouped by the label that names their node, in a stable order.
    static func exportersByLabel(_ exporters: ExporterRegistry, _ nodeLabels: NodeLabels) -> [(label: LabelName, exporters: [any GPUExporter])] {
        var groups: [(label: LabelName, exporters: [any GPUExporter])] = []
        for exporter in exporters.exporters {
            let label = nodeLabels[exporter]
            if let index = groups.firstIndex(where: { $0.label == label }) {
                groups[index].exporters.append(exporter)
            } else {
                groups.append((label, [exporter]))
            }
        }
        return groups.sorted { $0.label.rawValue < $1.label.rawValue }
    }

    /// The scope of one node for `exporter`'s expressions: its own series only.
    func scope(_ node: NodeName, _ exporter: any GPUExporter) -> ExpressionScope { scope(.one(node), exporter) }

    /// Every node, for `exporter`'s aggregations: its own series only.
    func fleetScope(_ exporter: any GPUExporter) -> ExpressionScope { scope(.every, exporter) }

    /// One node, the listed nodes or every node, for `exporter`'s expressions: its own series only.
    func scope(_ nodes: HistoryQuery.Nodes, _ exporter: any GPUExporter) -> ExpressionScope {
        ExpressionScope(node: exporter.ownSeries.merging(nodes.selector(nodeLabels[exporter])), nodeLabel: nodeLabels[exporter])
    }

    /// The same nodes for node-exporter's expressions.
    func nodeExporterScope(_ nodes: HistoryQuery.Nodes) -> ExpressionScope {
        ExpressionScope(node: nodes.selector(nodeLabels.nodeExporter), nodeLabel: nodeLabels.nodeExporter)
    }
}
