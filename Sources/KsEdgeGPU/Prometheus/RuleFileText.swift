/// Recording rules as Prometheus reads them: a plain rule file (`rule_files:`) or a `PrometheusRule` object for the
/// Prometheus operator, labelled `prometheus: k8s` and `role: alert-rules`, which KubeSphere's Prometheus (3.x and
/// 4.x) selects rules by. Every rule set ks-edge-gpu prints is written through this.
struct RuleFileText {
    struct Rule {
        var record: String
        var expression: String
        var labels: [(String, String)] = []
    }

    /// `# …` lines that open the file, saying how it was made.
    var header: [String]
    /// The group's and the PrometheusRule's name.
    var name: String
    var rules: [Rule]

    /// The plain rule file. Without `interval` the group follows the global `evaluation_interval`.
    func plain(interval: String?) -> String {
        comment + "groups:\n" + group(indent: "  ", interval: interval)
    }

    func prometheusRule(namespace: String, interval: String) -> String {
        comment + """
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata:
              name: \(name)
              namespace: \(namespace)
              labels:
                app.kubernetes.io/name: ks-edge-gpu
                prometheus: k8s
                role: alert-rules
            spec:
              groups:

            """ + group(indent: "    ", interval: interval)
    }

    private var comment: String { header.map { "# \($0)\n" }.joined() }

    private func group(indent: String, interval: String?) -> String {
        var text = "\(indent)- name: \(name)\n"
        if let interval { text += "\(indent)  interval: \(interval)\n" }
        text += "\(indent)  rules:\n"
        let rule = indent + "    "
        for entry in rules {
            text += "\(rule)- record: \(entry.record)\n"
            // A plain scalar where YAML reads it back as written, a literal block otherwise.
            let plain = entry.expression.allSatisfy { $0.isLetter || $0.isNumber || "_()".contains($0) }
            text += plain ? "\(rule)  expr: \(entry.expression)\n" : "\(rule)  expr: |-\n\(rule)    \(entry.expression)\n"
            if !entry.labels.isEmpty {
                text += "\(rule)  labels:\n" + entry.labels.map { "\(rule)    \($0.0): \($0.1)\n" }.joined()
            }
        }
        return text
    }
}
