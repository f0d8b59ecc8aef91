import Foundation
import KsEdgeGPU

/// Prometheus text exposition format 0.0.4 -> series with one point each.
/// Reads exporter captures (the fixtures) the way Prometheus would; tests only.
enum ExpositionParser {
    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "line \(line): \(reason)" }
    }

    /// `timestamp` stamps samples that carry none of their own (seconds since the epoch).
    static func parse(_ text: String, timestamp: Double = 0) throws -> [Series] {
        var result: [Series] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)[...]
            if line.isEmpty || line.first == "#" { continue }
            do {
                result.append(try parseSample(line, defaultTimestamp: timestamp))
            } catch let reason as Reason {
                throw ParseError(line: number + 1, reason: reason.text)
            }
        }
        return result
    }

    private struct Reason: Error { let text: String }

    private static func parseSample(_ line: Substring, defaultTimestamp: Double) throws -> Series {
        var labels: [String: String] = [:]
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " { index = line.index(after: index) }
        labels["__name__"] = String(line[line.startIndex..<index])
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while true {
                while index < line.endIndex, line[index] == " " || line[index] == "," { index = line.index(after: index) }
                guard index < line.endIndex else { throw Reason(text: "unterminated label set") }
                if line[index] == "}" { index = line.index(after: index); break }
                let nameStart = index
                while index < line.endIndex, line[index] != "=" { index = line.index(after: index) }
                let name = line[nameStart..<index].trimmingCharacters(in: .whitespaces)
                index = line.index(after: index)
                guard index < line.endIndex, line[index] == "\"" else { throw Reason(text: "label \(name) has no quoted value") }
                index = line.index(after: index)
                var value = ""
                while index < line.endIndex, line[index] != "\"" {
                    if line[index] == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { break }
                        switch line[index] {
                        case "n": value.append("\n")
                        default: value.append(line[index])
                        }
                    } else {
                        value.append(line[index])
                    }
                    index = line.index(after: index)
                }
                guard index < line.endIndex else { throw Reason(text: "unterminated value of label \(name)") }
                index = line.index(after: index)
                labels[String(name)] = value
            }
        }
        let rest = line[index...].split(separator: " ", omittingEmptySubsequences: true)
        guard let valueText = rest.first, let value = Double(valueText) else { throw Reason(text: "missing or invalid sample value") }
        let timestamp = rest.count > 1 ? (Double(rest[1]).map { $0 / 1000 } ?? defaultTimestamp) : defaultTimestamp
        return Series(labels: labels, points: [.init(timestamp: timestamp, value: value)])
    }
}
