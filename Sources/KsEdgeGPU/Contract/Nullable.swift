/// An optional that is written as an explicit JSON `null` instead of being left out:
/// ks-console reads a missing key and a null alike, but the contract promises every key.
@propertyWrapper
public struct Nullable<Value>: Hashable, Sendable where Value: Hashable & Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }
}

extension Nullable: Codable where Value: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as nil, as it would for a plain optional.
    public func decode<Value: Codable>(_ type: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value> {
        try decodeIfPresent(type, forKey: key) ?? Nullable(wrappedValue: nil)
    }
}

/// A part of the contract added after snapshots were first stored: a stored snapshot without it decodes with every
/// field unknown, so upgrading never loses a node's last good snapshot.
public protocol DecodedEmptyWhenMissing: Codable {
    /// Every field unknown.
    static var unknown: Self { get }
}

extension KeyedDecodingContainer {
    public func decode<Value: DecodedEmptyWhenMissing>(_ type: Value.Type, forKey key: Key) throws -> Value {
        try decodeIfPresent(type, forKey: key) ?? Value.unknown
    }

    /// Stored snapshots from before `sources` existed name only their exporter.
    public func decode(_ type: [DataSource].Type, forKey key: Key) throws -> [DataSource] {
        if let sources = try decodeIfPresent(type, forKey: key) { return sources }
        guard let exporterKey = Key(stringValue: "exporter"), let exporter = try decodeIfPresent(ExporterKind.self, forKey: exporterKey)
        else { return [] }
        return [DataSource(exporter)]
    }
}

/// Nullable numbers and strings written straight into their object: through `encode(to:)` each makes the JSON encoder
/// a nested encoder of its own, and nearly every reading of a snapshot is one (JSONEncoder was the largest cost of a
/// cold snapshot's CPU in a profile at 5,000 nodes). The same JSON either way (tested); other values keep `encode(to:)`.
extension KeyedEncodingContainer {
    public mutating func encode(_ value: Nullable<Double>, forKey key: Key) throws {
        if let wrapped = value.wrappedValue { try encode(wrapped, forKey: key) } else { try encodeNil(forKey: key) }
    }

    public mutating func encode(_ value: Nullable<Int>, forKey key: Key) throws {
        if let wrapped = value.wrappedValue { try encode(wrapped, forKey: key) } else { try encodeNil(forKey: key) }
    }

    public mutating func encode(_ value: Nullable<String>, forKey key: Key) throws {
        if let wrapped = value.wrappedValue { try encode(wrapped, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
