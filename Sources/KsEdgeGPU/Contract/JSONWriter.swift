import Foundation

/// A contract value that writes its own JSON: byte for byte what `JSONCoding.encoder` writes for it (keys sorted,
/// slashes unescaped, numbers and dates the same), without JSONEncoder's tree of boxed values. JSONEncoder was the
/// largest cost of a cold snapshot's CPU in a profile at 5,000 nodes; tests hold every writer to the encoder's bytes
/// for the fixtures and for generated values.
public protocol JSONWritable {
    func write(to json: inout JSONWriter) throws
}

/// Appends JSON to a byte array. An object's fields are written in the order given, which must be the sorted order of
/// their keys (`JSONCoding.encoder` sorts them).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// No member written yet in the object or array just opened: the next one needs no comma.
    private var opened = false

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    public static func bytes(of value: some JSONWritable, capacity: Int = 1024) throws -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        try value.write(to: &writer)
        return writer.bytes
    }

    public mutating func object(_ fields: (inout JSONWriter) throws -> Void) rethrows {
        bytes.append(UInt8(ascii: "{"))
        opened = true
        try fields(&self)
        bytes.append(UInt8(ascii: "}"))
        opened = false
    }

    /// `"key":value`.
    public mutating func field(_ key: StaticString, _ value: some JSONWritable) throws {
        self.key(key)
        try value.write(to: &self)
    }

    /// `"key":null` where `value` is unknown: the contract promises every key (its `Nullable` fields).
    public mutating func field(_ key: StaticString, _ value: (some JSONWritable)?) throws {
        self.key(key)
        if let value { try value.write(to: &self) } else { null() }
    }

    /// `"key":`, written as it is (the contract's keys need no escaping).
    private mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    public mutating func array<S: Sequence>(_ elements: S) throws where S.Element: JSONWritable {
        bytes.append(UInt8(ascii: "["))
        opened = true
        for element in elements {
            separate()
            try element.write(to: &self)
        }
        bytes.append(UInt8(ascii: "]"))
        opened = false
    }

    private mutating func separate() {
        if !opened { bytes.append(UInt8(ascii: ",")) }
        opened = false
    }

    public mutating func null() { bytes.append(contentsOf: "null".utf8) }

    public mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    public mutating func int(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    /// As JSONEncoder writes it: the shortest text that reads back as the same number, without a trailing `.0`;
    /// NaN and infinities are refused, as JSONEncoder refuses them.
    public mutating func number(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Unable to encode Double.\(value) directly in JSON."))
        }
        let text = value.description
        bytes.append(contentsOf: text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...])
    }

    /// Quoted, with `"`, `\` and control characters escaped as JSONEncoder escapes them; the rest as UTF-8.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(contentsOf: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension String: JSONWritable {
    public func write(to json: inout JSONWriter) { json.string(self) }
}

extension Double: JSONWritable {
    public func write(to json: inout JSONWriter) throws { try json.number(self) }
}

extension Int: JSONWritable {
    public func write(to json: inout JSONWriter) { json.int(self) }
}

extension Bool: JSONWritable {
    public func write(to json: inout JSONWriter) { json.bool(self) }
}

/// As `JSONCoding.encoder` writes dates: RFC 3339 with milliseconds.
extension Date: JSONWritable {
    public func write(to json: inout JSONWriter) { json.string(RFC3339.format(self)) }
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to json: inout JSONWriter) throws { try json.array(self) }
}

/// The contract's enumerations are written as their names.
public protocol JSONWritableName: JSONWritable, RawRepresentable where RawValue == String {}

extension JSONWritableName {
    public func write(to json: inout JSONWriter) { json.string(rawValue) }
}
