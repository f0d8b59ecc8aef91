/// Many boards' pages served as one scrape target (`simulate --nodes-per-target`), as a Pushgateway or a federating
/// Prometheus delivers them: each sample carries its node's name as `instance`, and each family is written once with
/// every board's samples under it (the text format allows one HELP and TYPE per family). Scraped with `honor_labels`,
/// Prometheus keeps each node's `instance`. One connection serves a rack of nodes, so the fleet a machine can simulate
/// is no longer capped by its open files.
enum RackPage {
    /// The pages of `boards` (node name and page text) as one page.
    static func merge(_ pages: [(node: String, text: Substring)]) -> String {
        var order: [Substring] = []
        var headers: [Substring: [Substring]] = [:]
        var samples: [Substring: [String]] = [:]
        for (node, text) in pages {
            let instance = "instance=\"\(node)\""
            var family: Substring = ""
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# ") {
                    // `# HELP name …` and `# TYPE name …`: the family the samples after it belong to.
                    let parts = line.split(separator: " ", maxSplits: 3)
                    guard parts.count >= 3 else { continue }
                    family = parts[2]
                    if headers[family] == nil { order.append(family); headers[family] = [] }
                    if headers[family]!.count < 2, !headers[family]!.contains(where: { $0.hasPrefix(line.prefix(7)) }) { headers[family]!.append(line) }
                    continue
                }
                if line.hasPrefix("#") || line.isEmpty { continue }
                if headers[family] == nil { family = line.prefix { $0 != "{" && $0 != " " }; order.append(family); headers[family] = [] }
                samples[family, default: []].append(labelled(line, instance))
            }
        }
        var out = ""
        for family in order {
            for header in headers[family] ?? [] { out += header + "\n" }
            for sample in samples[family] ?? [] { out += sample + "\n" }
        }
        return out
    }

    /// A sample line with `instance` first among its labels.
    static func labelled(_ line: Substring, _ instance: String) -> String {
        if let brace = line.firstIndex(of: "{") {
            let rest = line[line.index(after: brace)...]
            return String(line[..<brace]) + "{" + instance + (rest.hasPrefix("}") ? "" : ",") + rest
        }
        guard let space = line.firstIndex(of: " ") else { return String(line) }
        return String(line[..<space]) + "{" + instance + "}" + line[space...]
    }
}
