import NIOCore

/// Reads the body of `/api/v1/query` and `/api/v1/query_range` straight into `Series`:
/// `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{…},"values":[[ts,"v"],…]}]}}`.
/// A fleet answer is megabytes of this one shape; a parser made for it is several times faster than
/// Foundation's general `JSONDecoder` and allocates only what it returns. Unknown keys are skipped.
struct QueryResponse {
    /// The body, read in place: valid only inside `parse(_:)`, which owns the parser.
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    /// Objects and arrays open around the cursor. Prometheus' answers nest six deep; a body nesting far deeper is
    /// refused before the recursion could exhaust the stack.
    private var depth = 0
    static let maxDepth = 64
    /// Which samples of a series are decoded.
    private let read: SamplesRead

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The series, or `UpstreamError.badResponse` for Prometheus' own errors and for anything that is not its JSON.
    static func series(from bytes: some Sequence<UInt8>) throws(UpstreamError) -> [Series] {
        var series: [Series] = []
        try reading { try Array(bytes).withUnsafeBytes { try parse($0) { series.append($0) } } }
        return series
    }

    /// Each series handed to `fold` as soon as it is read, from the body where the HTTP client received it: a fleet
    /// answer is megabytes, and neither a copy of it nor all its series at once are held.
    /// When the body turns out malformed or an error, `fold` has seen some series: the caller throws it away.
    static func fold(_ buffer: ByteBuffer, into fold: inout some SeriesFold) throws(UpstreamError) {
        let read = fold.samplesRead
        try reading { try buffer.withUnsafeReadableBytes { try parse($0, read) { fold.add($0) } } }
    }

    /// `read`'s error as the `UpstreamError` that `parse` threw (the buffers' `rethrows` forget its type).
    private static func reading(_ read: () throws -> Void) throws(UpstreamError) {
        do {
            try read()
        } catch let error as UpstreamError {
            throw error
        } catch {
            throw .badResponse("\(error)")
        }
    }

    /// - Parameter read: which samples of each series are decoded; the others are stepped over.
    private static func parse(_ body: UnsafeRawBufferPointer, _ read: SamplesRead = .all, _ visit: (Series) -> Void) throws(UpstreamError) {
        var parser = QueryResponse(bytes: body, read: read)
        let status: String?, hasData: Bool, errorType: String?, error: String?
        do {
            (status, hasData, errorType, error) = try parser.document(visit)
        } catch {
            throw .badResponse("the body is not a Prometheus query result (\(error))")
        }
        guard status == "success", hasData else {
            let reason = [errorType, error].compactMap { $0 }.joined(separator: ": ")
            throw .badResponse(reason.isEmpty ? "status \(status ?? "missing")" : reason)
        }
    }

    private init(bytes: UnsafeRawBufferPointer, read: SamplesRead) {
        self.bytes = bytes
        self.read = read
    }

    // MARK: The shape of a query result

    /// The status, whether a data section was read (its series handed to `visit`), and Prometheus' error if any.
    private mutating func document(_ visit: (Series) -> Void) throws -> (String?, Bool, String?, String?) {
        var status: String?, hasData = false, errorType: String?, error: String?
        try object { parser, key in
            switch key {
            case "status": status = try parser.string()
            case "data": try parser.dataSection(visit); hasData = true
            case "errorType": errorType = try parser.string()
            case "error": error = try parser.string()
            default: try parser.skipValue()
            }
        }
        try skipWhitespace()
        guard position == bytes.count else { throw Malformed(description: "text after the document") }
        return (status, hasData, errorType, error)
    }

    private mutating func dataSection(_ visit: (Series) -> Void) throws {
        var resultType: String?
        var scalar: Series.Point?
        try object { parser, key in
            switch key {
            case "resultType": resultType = try parser.string()
            case "result":
                // Scalar and string results are one bare point; vectors and matrices are lists of series.
                if try parser.peek() == UInt8(ascii: "[") , try parser.isPointAhead() {
                    scalar = try parser.point()
                } else {
                    try parser.array { parser in visit(try parser.entry()) }
                }
            default: try parser.skipValue()
            }
        }
        guard let resultType else { throw Malformed(description: "no resultType") }
        if resultType == "scalar" || resultType == "string", let scalar {
            visit(Series(labels: [:], points: [scalar]))
        }
    }

    private mutating func entry() throws -> Series {
        var labels: [String: String] = [:]
        var named = false
        var points: [Series.Point] = []
        try object { parser, key in
            switch key {
            case "metric": try parser.object { parser, name in labels[name] = try parser.string() }; named = true
            case "value": points = [try parser.point()]
            case "values":
                // Whether the series is read whole is known from its labels: written after them, it is decoded whole
                // and the fold keeps what it reads.
                if named, !parser.read.readsWhole(labels) {
                    points = try parser.newestReadings()
                } else {
                    try parser.array { parser in points.append(try parser.point()) }
                }
            default: try parser.skipValue()
            }
        }
        return Series(labels: labels, points: points)
    }

    /// The points of the array at the cursor from its second-newest reading on (`SamplesRead.newestReadings`), read
    /// from the newest back: the older ones are stepped over, their shape checked and their numbers not read.
    private mutating func newestReadings() throws -> [Series.Point] {
        var starts: [Int] = []
        try array { parser in
            try parser.skipWhitespace()
            starts.append(parser.position)
            try parser.skipPoint()
        }
        let end = position
        var points: [Series.Point] = []
        var readings = 0
        for start in starts.reversed() where readings < SamplesRead.readingsKept {
            position = start
            let point = try point()
            points.append(point)
            if !point.value.isNaN { readings += 1 }
        }
        position = end
        return points.reversed()
    }

    /// Steps over a point, `[number,"text"]`, without reading the number or the text.
    private mutating func skipPoint() throws {
        try expect(UInt8(ascii: "["))
        try skipWhitespace()
        let start = position
        while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
        guard position > start else { throw Malformed(description: "expected a number at \(start)") }
        try expect(UInt8(ascii: ","))
        try expect(UInt8(ascii: "\""))
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard position < bytes.count else { throw Malformed(description: "unterminated string at \(start)") }
        position += 1
        try expect(UInt8(ascii: "]"))
    }

    /// `[1700000000.123, "42.5"]`: values are strings so NaN and ±Inf survive JSON.
    private mutating func point() throws -> Series.Point {
        try expect(UInt8(ascii: "["))
        let timestamp = try number()
        try expect(UInt8(ascii: ","))
        let value = try sampleValue()
        try expect(UInt8(ascii: "]"))
        return Series.Point(timestamp: timestamp, value: value)
    }

    /// Whether the array at the cursor is a point (`[number, …`) rather than a list of series.
    private mutating func isPointAhead() throws -> Bool {
        var probe = self
        probe.position += 1
        try probe.skipWhitespace()
        guard probe.position < bytes.count else { return false }
        let byte = bytes[probe.position]
        return byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    // MARK: JSON

    private mutating func nest() throws {
        depth += 1
        guard depth <= Self.maxDepth else { throw Malformed(description: "nested deeper than \(Self.maxDepth) levels at \(position)") }
    }

    private mutating func object(_ member: (inout QueryResponse, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        try nest()
        defer { depth -= 1 }
        if try peek() == UInt8(ascii: "}") { position += 1; return }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
            let next = try take()
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { throw Malformed(description: "expected , or } at \(position - 1)") }
        }
    }

    private mutating func array(_ element: (inout QueryResponse) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        try nest()
        defer { depth -= 1 }
        if try peek() == UInt8(ascii: "]") { position += 1; return }
        while true {
            try element(&self)
            let next = try take()
            if next == UInt8(ascii: "]") { return }
            guard next == UInt8(ascii: ",") else { throw Malformed(description: "expected , or ] at \(position - 1)") }
        }
    }

    private mutating func skipValue() throws {
        switch try peek() {
        case UInt8(ascii: "{"): try object { parser, _ in try parser.skipValue() }
        case UInt8(ascii: "["): try array { parser in try parser.skipValue() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        try skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
              word.withUTF8Buffer({ Array($0) }) == Array(bytes[position..<position + count]) else {
            throw Malformed(description: "expected \(word) at \(position)")
        }
        position += count
    }

    private mutating func number() throws -> Double {
        try skipWhitespace()
        let start = position
        while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
        guard position > start, let value = Self.double(bytes[start..<position]) else {
            throw Malformed(description: "expected a number at \(start)")
        }
        return value
    }

    /// The text as a number: a plain decimal without making a `String`, anything else (`NaN`, `+Inf`, `1e+21`) as
    /// `Double(String)` reads it.
    private static func double(_ text: UnsafeRawBufferPointer.SubSequence) -> Double? {
        ExactDecimal.value(of: text) ?? Double(String(decoding: text, as: UTF8.self))
    }

    /// A sample value: a JSON string holding the number (never escaped: Prometheus writes digits, `NaN` or `±Inf`).
    private mutating func sampleValue() throws -> Double {
        try expect(UInt8(ascii: "\""))
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") { position += 1 }
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            // Escapes (or no end): read as any string, then as a number.
            position = start - 1
            let text = try string()
            guard let value = Double(text) else { throw Malformed(description: "sample value \(text.prefix(40)) is not a number") }
            return value
        }
        position += 1
        guard let value = Self.double(bytes[start..<position - 1]) else {
            throw Malformed(description: "sample value \(String(decoding: bytes[start..<position - 1].prefix(40), as: UTF8.self)) is not a number")
        }
        return value
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    private mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        let start = position
        // Fast path: no escapes, the bytes are the string.
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") { position += 1 }
        guard position < bytes.count else { throw Malformed(description: "unterminated string at \(start)") }
        if bytes[position] == UInt8(ascii: "\"") {
            position += 1
            return String(decoding: bytes[start..<position - 1], as: UTF8.self)
        }
        var scalars = Array(bytes[start..<position])
        while true {
            guard position < bytes.count else { throw Malformed(description: "unterminated string at \(start)") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: scalars, as: UTF8.self) }
            guard byte == UInt8(ascii: "\\") else { scalars.append(byte); continue }
            let escaped = try take(skippingWhitespace: false)
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    // A surrogate pair: \uD83D\uDE00.
                    guard try take(skippingWhitespace: false) == UInt8(ascii: "\\"), try take(skippingWhitespace: false) == UInt8(ascii: "u") else {
                        throw Malformed(description: "lone surrogate at \(position)")
                    }
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Malformed(description: "bad surrogate pair at \(position)") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw Malformed(description: "bad \\u escape at \(position)") }
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw Malformed(description: "bad escape at \(position - 1)")
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count, bytes[position..<position + 4].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
              let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16) else {
            throw Malformed(description: "bad \\u escape at \(position)")
        }
        position += 4
        return value
    }

    private mutating func skipWhitespace() throws {
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x0A || bytes[position] == 0x0D || bytes[position] == 0x09 {
            position += 1
        }
    }

    private mutating func peek() throws -> UInt8 {
        try skipWhitespace()
        guard position < bytes.count else { throw Malformed(description: "unexpected end") }
        return bytes[position]
    }

    private mutating func take(skippingWhitespace: Bool = true) throws -> UInt8 {
        if skippingWhitespace { try skipWhitespace() }
        guard position < bytes.count else { throw Malformed(description: "unexpected end") }
        position += 1
        return bytes[position - 1]
    }

    private mutating func expect(_ byte: UInt8) throws {
        let found = try take()
        guard found == byte else {
            throw Malformed(description: "expected \(Character(Unicode.Scalar(byte))) at \(position - 1)")
        }
    }
}
