import Foundation

/// All GPU families of one node, node-exporter's host facts, the Pushgateway's push times and the node's targets' `up`,
/// as raw samples: one range
/// selector per label that names nodes (one in all by default), over a window that holds a counter's last two scrapes
/// or pushes. Prometheus only reads samples; freshness, the last push and counters' rates are computed here, in pure
/// code beside the exporters (`SampleWindow`, `SampledRate`, each exporter's `snapshotRates`).
public struct SnapshotQuery: Sendable {
    public let node: NodeName
    let queries: GPUQueries
    /// The node is known to be scraped, not pushed (the fleet index says so): a scrape's window holds what its
    /// snapshot needs, where a pushed node's holds two push intervals (with the default 1m pushes and 15 s scrapes,
    /// 135 s of samples against 60 s).
    let scraped: Bool

    /// The samples of each series the snapshot reads: a scraped node's newest readings, a pushed node's every push.
    public var samplesRead: SamplesRead { scraped ? .newestReadings : .all }

    /// An answer's series as the snapshot keeps them: each with only the samples it reads.
    public struct Samples: SeriesFold {
        public let samplesRead: SamplesRead
        public var series: [Series] = []

        public mutating func add(_ entry: Series) { series.append(samplesRead.applied(to: entry)) }
    }

    /// What the answers to `promQL` are folded into.
    public var samples: Samples { Samples(samplesRead: samplesRead) }

    /// Seconds of raw samples asked for.
    public var windowSeconds: Int { scraped ? queries.counterRate.scrapedWindowSeconds : queries.counterRate.widestWindowSeconds }

    /// One range selector per label that names nodes, the node's matcher and the window appended to the selectors'
    /// text written once (`Selectors`).
    public var promQL: [PromQL] {
        let close = "}[\(windowSeconds)s]"
        let node = Selector.quote(node.rawValue)
        return queries.snapshotSelectors.opened.map { PromQL(trusted: $0.text + "," + $0.label.rawValue + "=" + node + close) }
    }

    /// The snapshot's selectors without the node, the same for every node: each one's matchers by the label that names
    /// the node, and their text written once up to where the node's matcher goes (what `Selector.equal` appends last).
    public struct Selectors: Sendable {
        let matchers: [(label: LabelName, matchers: Selector)]
        let opened: [(label: LabelName, text: String)]

        init(exporters registry: ExporterRegistry, byLabel: [(label: LabelName, exporters: [any GPUExporter])], nodeExporterLabel: LabelName) {
            let nodeExporter = registry.nodeExporter
            let select = { (label: LabelName, names: [String], matchers: Selector) -> (label: LabelName, matchers: Selector) in
                let names = (names + [CounterRate.pushTimeFamily, SampleWindow.up]).joined(separator: "|")
                return (label, matchers.matching(.metricName, trustedPattern: names))
            }
            var matchers = byLabel.map { label, exporters in
                // Own-series matchers only leave out series carrying a label of ks-edge-gpu's (`label=""`, checked by a
                // test), which no other exporter's series carry: one selector serves every exporter.
                var matchers = exporters.reduce(Selector()) { $0.merging($1.ownSeries) }
                var names = exporters.map { $0.metricPrefix + ".*" }
                if label == nodeExporterLabel {
                    names += nodeExporter.snapshotFamilies
                    matchers = matchers.merging(nodeExporter.snapshotExclusions)
                }
                return select(label, names, matchers)
            }
            if !byLabel.contains(where: { $0.label == nodeExporterLabel }) {
                matchers.append(select(nodeExporterLabel, nodeExporter.snapshotFamilies, nodeExporter.snapshotExclusions))
            }
            self.matchers = matchers
            opened = matchers.map { ($0.label, String($0.matchers.text.dropLast())) }
        }
    }

    public struct Answer: Sendable {
        public var exporter: ExporterKind
        public var readings: NodeReadings
        /// The newest heartbeat's scrape time, or for a pushed node the time of its last push; nil when no heartbeat
        /// family is present.
        public var observedAt: Date?
        /// The node's series come through a Pushgateway.
        public var pushed: Bool
    }

    /// Nil when no series of a known GPU exporter is current for the node at `now`.
    public func decode(_ series: [Series], now: Date) -> Answer? {
        let registry = queries.exporters
        let window = SampleWindow(series, now: now.timeIntervalSince1970, goneAfter: queries.targetGoneAfter, source: registry.source(ofFamily:))
        let families = window.current.filter { $0.name != CounterRate.pushTimeFamily } + registry.snapshotRates(window)
        guard let (exporter, readings) = registry.describe(families) else { return nil }
        let (scraped, pushed) = window.freshness(heartbeats: Set(registry.exporters.map(\.heartbeat)))
        return Answer(exporter: exporter.kind, readings: readings, observedAt: (pushed ?? scraped).map { Date(timeIntervalSince1970: $0) },
                      pushed: pushed != nil)
    }
}
