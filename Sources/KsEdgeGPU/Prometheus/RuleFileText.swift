import Foundation

/// Recording and alerting rules as Prometheus reads them: a plain rule file (`rule_files:`) or a `PrometheusRule`
/// object for the Prometheus operator, labelled `prometheus: k8s` and `role: alert-rules`, which KubeSphere's
/// Prometheus (3.x and 4.x) selects rules by; and alerting rules as KubeSphere's own `ClusterRuleGroup`. Every rule
/// set ks-edge-gpu prints is written through this.
struct RuleFileText {
    struct Rule {
        var record: String
        var expression: String
        var labels: [(String, String)] = []
        /// An alerting rule (`record` is then its alert name): how long it must hold, how bad it is, what it says.
        var alert: Alert?
    }

    struct Alert {
        var holding: String?
        var severity: String
        var annotations: [(String, String)]
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
            text += ruleText(entry, indent: rule, kubesphere: false)
        }
        return text
    }

    /// One rule's lines; KubeSphere's rules say their severity in a field of their own, the others as a label.
    private func ruleText(_ entry: Rule, indent rule: String, kubesphere: Bool) -> String {
        var text = "\(rule)- \(entry.alert == nil ? "record" : "alert"): \(entry.record)\n"
        // A plain scalar where YAML reads it back as written, a literal block otherwise.
        let plain = entry.expression.allSatisfy { $0.isLetter || $0.isNumber || "_()".contains($0) }
        text += plain ? "\(rule)  expr: \(entry.expression)\n" : "\(rule)  expr: |-\n\(rule)    \(entry.expression)\n"
        if let holding = entry.alert?.holding { text += "\(rule)  for: \(holding)\n" }
        if kubesphere, let alert = entry.alert { text += "\(rule)  severity: \(alert.severity)\n" }
        let labels = entry.labels + (entry.alert.map { kubesphere ? [] : [("severity", $0.severity)] } ?? [])
        if !labels.isEmpty {
            text += "\(rule)  labels:\n" + labels.map { "\(rule)    \($0.0): \($0.1)\n" }.joined()
        }
        if let annotations = entry.alert?.annotations, !annotations.isEmpty {
            text += "\(rule)  annotations:\n" + annotations.map { "\(rule)    \($0.0): \(Self.quoted($0.1))\n" }.joined()
        }
        return text
    }

    /// A YAML double-quoted scalar (JSON's string form, which YAML reads as written).
    static func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        let array = data.map { String(decoding: $0, as: UTF8.self) } ?? "[\"\"]"
        return String(array.dropFirst().dropLast())
    }

    /// The alerting rules as KubeSphere's `ClusterRuleGroup` (alerting.kubesphere.io/v2beta1), which its alerting
    /// pages list and manage; `alerting.kubesphere.io/enable` makes KubeSphere evaluate it.
    func clusterRuleGroup(interval: String) -> String {
        comment + """
            apiVersion: alerting.kubesphere.io/v2beta1
            kind: ClusterRuleGroup
            metadata:
              name: \(name)
              labels:
                alerting.kubesphere.io/enable: "true"
                app.kubernetes.io/name: ks-edge-gpu
            spec:
              interval: \(interval)
              rules:

            """ + rules.map { ruleText($0, indent: "    ", kubesphere: true) }.joined()
    }
}
