/// Nodes that Prometheus cannot scrape push their exporters' pages to a Pushgateway, which Prometheus scrapes with
/// `honor_labels: true` so the grouping key's `job` and node label stay on the series. A Pushgateway serves the last
/// push for ever, so those series never go stale in Prometheus and their sample times are the Pushgateway's scrape
/// times: how fresh a pushed node is can only be read from `push_time_seconds` of its group.
enum LastPush {
    /// The family name the push times are tagged with (`ks_pushed_at`, or `ks_pushed_at:<exporter>`).
    static let family = "ks_pushed_at"

    /// Per node in `scope`, tagged `ks_pushed_at:<exporter>`: the last push of the group carrying `exporter`'s heartbeat.
    static func tagged(_ exporter: any GPUExporter, in scope: ExpressionScope) -> String {
        FamilyTag.tag(expression(in: scope, of: exporter), as: FamilyTag.tag(family, exporter.kind))
    }

    /// Per node in `scope`: the last push of the group carrying `exporter`'s heartbeat.
    static func expression(in scope: ExpressionScope, of exporter: any GPUExporter) -> String {
        // The exporter's own-series matchers choose its heartbeat, not the Pushgateway's push times.
        expression(in: scope.node.removing(exporter.ownSeries), label: scope.nodeLabel, heartbeats: scope.family(exporter.heartbeat))
    }

    /// Per node in `scope`: the Unix time of the last push of the group that carries the exporter's heartbeat (matched
    /// by node label and `job`; `heartbeats` selects it). No series for a scraped node.
    static func expression(in scope: Selector, label: LabelName, heartbeats: String) -> String {
        let group = "\(label.rawValue), job"
        return "max by (\(label.rawValue)) (\(scope.equal(.metricName, CounterRate.pushTimeFamily).text) and on (\(group)) group by (\(group)) (\(heartbeats)))"
    }
}
