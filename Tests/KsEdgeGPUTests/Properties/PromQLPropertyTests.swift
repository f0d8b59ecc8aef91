import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// No node name, label value or configured label can change the PromQL sent: values stay inside their string literals,
/// and validation accepts exactly what Kubernetes and Prometheus accept.
@Suite struct PromQLPropertyTests {
    @Test func quotedValuesReadBackWhole() async {
        await propertyCheck(count: 1000, input: HostileText.string(of: 0...40), perform: failingOnThrow { value in
            let quoted = Selector.quote(value)
            let read = PromQLStringLiteral.read(Substring(quoted))
            #expect(read?.value == value, "\(quoted.debugDescription)")
            #expect(read?.rest.isEmpty == true, "the literal ended early: \(quoted.debugDescription)")
        })
    }

    @Test func nodeNamesAreAcceptedExactlyWhenKubernetesWouldAcceptThem() async {
        await propertyCheck(count: 3000, input: HostileText.nodeNameLike, perform: failingOnThrow { name in
            #expect(NodeName.isValid(name) == KubernetesNames.isDNS1123Subdomain(name), "\(name.debugDescription)")
        })
        await propertyCheck(count: 500, input: HostileText.validNodeName, perform: failingOnThrow { name in
            #expect(KubernetesNames.isDNS1123Subdomain(name), "the generator made \(name.debugDescription)")
            #expect(NodeName(name) != nil, "\(name.debugDescription)")
        })
    }

    @Test func labelNamesAreAcceptedExactlyWhenPrometheusWouldAcceptThem() async {
        let prometheus = try! NSRegularExpression(pattern: #"\A[a-zA-Z_][a-zA-Z0-9_]*\z"#)
        await propertyCheck(count: 2000, input: HostileText.string(of: 0...12), perform: failingOnThrow { name in
            let expected = prometheus.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
            #expect((LabelName(name) != nil) == expected, "\(name.debugDescription)")
        })
    }

    /// The query with every string literal's contents taken out: what a value could change if it escaped. Read by
    /// Unicode scalars, as Prometheus' lexer reads runes (a quote followed by a combining mark is one Swift Character).
    static func shape(_ promQL: String) -> String {
        var shape = ""
        var rest = Substring(promQL)
        while let quote = rest.unicodeScalars.firstIndex(of: "\"") {
            shape += String(rest.unicodeScalars[..<quote]) + "\"\""
            guard let literal = PromQLStringLiteral.read(Substring(rest.unicodeScalars[quote...])) else { return shape + "<unterminated>" }
            rest = literal.rest
        }
        return shape + rest
    }

    @Test func noNodeNameChangesTheShapeOfAnyQuery() async {
        let queries = GPUQueries(scrapeInterval: .seconds(15))
        let reference = NodeName("a")!
        func shapes(_ node: NodeName) -> [String] {
            (queries.snapshot(node).promQL + [queries.history(node, metrics: HistoryMetric.allCases).promQL]).map { Self.shape($0.text) }
        }
        let expected = shapes(reference)
        #expect(expected.allSatisfy { !$0.contains("<unterminated>") })
        await propertyCheck(count: 300, input: HostileText.validNodeName, perform: failingOnThrow { name in
            guard let node = NodeName(name) else { return }
            #expect(shapes(node) == expected, "\(name)")
        })
    }

    /// The snapshot's selectors are written once and the node appended: the text `Selector` writes with the node's
    /// matcher, for every node, scraped or not, and with node labels of their own per exporter.
    @Test func theSnapshotsSelectorsWrittenOnceAreWhatSelectorWrites() async {
        let configurations = [
            GPUQueries(scrapeInterval: .seconds(15)),
            GPUQueries(nodeLabels: NodeLabels(.standard, overrides: [.dcgm: LabelName("Hostname")!]), pushInterval: .seconds(30)),
            GPUQueries(nodeLabels: NodeLabels(.standard, nodeExporter: LabelName("node")!)),
        ]
        #expect(configurations.map(\.snapshotSelectors.matchers.count) == [1, 2, 2])
        await propertyCheck(count: 300, input: HostileText.validNodeName, Gen.bool, perform: failingOnThrow { name, scraped in
            guard let node = NodeName(name) else { return }
            for queries in configurations {
                let query = queries.snapshot(node, scraped: scraped)
                let written = queries.snapshotSelectors.matchers.map { $0.matchers.equal($0.label, node.rawValue).text + "[\(query.windowSeconds)s]" }
                #expect(query.promQL.map(\.text) == written, "\(name)")
            }
        })
    }

    @Test func noLabelValueChangesTheShapeOfASelector() async {
        let job = LabelName("job")!
        await propertyCheck(count: 1000, input: HostileText.string(of: 0...30), HostileText.string(of: 0...30), perform: failingOnThrow { first, second in
            let selector = Selector().matching(.metricName, trustedPattern: "gpu_.*").equal(.instance, first).notEqual(job, second)
            #expect(Self.shape(selector.text) == #"{__name__=~"",instance="",job!=""}"#, "\(selector.text.debugDescription)")
        })
    }
}

/// A PromQL double-quoted string literal read as Prometheus' lexer reads it (Go's escapes: \a \b \f \n \r \t \v \\ \"
/// \' \xHH \uHHHH \UHHHHHHHH \ooo; no raw newline): the value and the text after the closing quote, or nil.
enum PromQLStringLiteral {
    static func read(_ text: Substring) -> (value: String, rest: Substring)? {
        var scalars = text.unicodeScalars[...]
        guard scalars.popFirst() == "\"" else { return nil }
        var bytes: [UInt8] = []
        func append(_ scalar: Unicode.Scalar) { bytes += Array(String(scalar).utf8) }
        func hex(_ count: Int) -> UInt32? {
            guard scalars.count >= count else { return nil }
            let digits = String(Substring(scalars.prefix(count)))
            scalars = scalars.dropFirst(count)
            return digits.allSatisfy(\.isHexDigit) ? UInt32(digits, radix: 16) : nil
        }
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\"":
                guard let value = String(validating: bytes, as: UTF8.self) else { return nil }
                return (value, Substring(scalars))
            case "\n": return nil
            case "\\":
                guard let escape = scalars.popFirst() else { return nil }
                switch escape {
                case "a": bytes.append(0x07)
                case "b": bytes.append(0x08)
                case "f": bytes.append(0x0C)
                case "n": bytes.append(0x0A)
                case "r": bytes.append(0x0D)
                case "t": bytes.append(0x09)
                case "v": bytes.append(0x0B)
                case "\\", "\"", "'": append(escape)
                case "x": guard let byte = hex(2) else { return nil }; bytes.append(UInt8(byte))
                case "u": guard let code = hex(4), let decoded = Unicode.Scalar(code) else { return nil }; append(decoded)
                case "U": guard let code = hex(8), let decoded = Unicode.Scalar(code) else { return nil }; append(decoded)
                case "0"..."7":
                    let digits = String(escape) + String(Substring(scalars.prefix(2)))
                    scalars = scalars.dropFirst(2)
                    guard digits.count == 3, let byte = UInt8(digits, radix: 8) else { return nil }
                    bytes.append(byte)
                default: return nil
                }
            default: append(scalar)
            }
        }
        return nil
    }
}

/// Every query and value sent to Prometheus is form-encoded: whatever the text, Prometheus reads back exactly it.
@Suite struct FormEncodingPropertyTests {
    @Test func escapedTextDecodesBackWholeAndIsOnlyUnreservedCharacters() async {
        let unreserved = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%".utf8)
        await propertyCheck(count: 2000, input: HostileText.string(of: 0...60), perform: failingOnThrow { value in
            let escaped = FormEncoding.escape(value)
            #expect(Self.decoded(escaped) == Array(value.utf8), "\(value.debugDescription) → \(escaped)")
            #expect(escaped.utf8.allSatisfy(unreserved.contains), "\(escaped)")
        })
    }

    /// The bytes a form decoder reads from `text` (as Go's url.QueryUnescape, minus `+`, which is never sent).
    static func decoded(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var rest = Substring(text).utf8[...]
        while let byte = rest.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard rest.count >= 2, let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
            rest = rest.dropFirst(2)
        }
        return bytes
    }
}
