import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// Nullable numbers and strings are written straight into their object (no nested encoder each), and the JSON is
/// byte for byte what each value's own `encode(to:)` writes.
@Suite struct NullableEncodingPropertyTests {
    struct Fields: Encodable {
        @Nullable var number: Double?
        @Nullable var count: Int?
        @Nullable var text: String?
    }

    /// The same fields, each through its own `encode(to:)`: how every Nullable was written before.
    struct ThroughEncodeTo: Encodable {
        let fields: Fields
        enum CodingKeys: String, CodingKey { case number, count, text }

        struct Own<Value: Encodable>: Encodable {
            let value: Value
            func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Own(value: Nullable(wrappedValue: fields.number)), forKey: .number)
            try container.encode(Own(value: Nullable(wrappedValue: fields.count)), forKey: .count)
            try container.encode(Own(value: Nullable(wrappedValue: fields.text)), forKey: .text)
        }
    }

    static let fields = Generator<Fields, Shrink.None<Fields>>(run: { rng in
        let numbers: [Double] = [0, -0.0, 1e-7, 123.456, -1e300, 4.9e-324, .greatestFiniteMagnitude, 99.999999, 1_795_000_000.123]
        let number: Double? = switch Int.random(in: 0...3, using: &rng) {
        case 0: nil
        case 1: numbers.randomElement(using: &rng)!
        default: Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &rng)) * (Bool.random(using: &rng) ? 1 : -1)
        }
        let count: Int? = Bool.random(using: &rng) ? nil : [Int.min, Int.max, 0, Int.random(in: -1000...1000, using: &rng)].randomElement(using: &rng)!
        let text: String? = Bool.random(using: &rng) ? nil : HostileText.string(of: 0...30).run(using: &rng)
        return Fields(number: number, count: count, text: text)
    })

    @Test func theSameJSONAsEachValuesOwnEncoding() async {
        await propertyCheck(count: 2000, input: Self.fields, perform: failingOnThrow { fields in
            let direct = try JSONCoding.encoder.encode(fields)
            let own = try JSONCoding.encoder.encode(ThroughEncodeTo(fields: fields))
            #expect(direct == own, "\(String(decoding: direct, as: UTF8.self)) vs \(String(decoding: own, as: UTF8.self))")
        })
    }

    /// The keyed container is handed the plain value (or a null), never the wrapper.
    @Test func theWrapperNeverReachesTheEncoder() throws {
        let recorder = RecordingEncoder()
        try Fields(number: 1.5, count: nil, text: "a").encode(to: recorder)
        #expect(recorder.calls.sorted() == ["Double number", "String text", "nil count"])
    }

    final class RecordingEncoder: Encoder, @unchecked Sendable {
        var calls: [String] = []
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(Keyed<Key>(encoder: self))
        }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("not used") }
        func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("not used") }

        struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
            let encoder: RecordingEncoder
            var codingPath: [any CodingKey] { [] }
            mutating func encodeNil(forKey key: Key) throws { encoder.calls.append("nil \(key.stringValue)") }
            mutating func encode(_ value: Double, forKey key: Key) throws { encoder.calls.append("Double \(key.stringValue)") }
            mutating func encode(_ value: Int, forKey key: Key) throws { encoder.calls.append("Int \(key.stringValue)") }
            mutating func encode(_ value: String, forKey key: Key) throws { encoder.calls.append("String \(key.stringValue)") }
            mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { encoder.calls.append("\(T.self) \(key.stringValue)") }
            mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
                fatalError("not used")
            }
            mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { fatalError("not used") }
            mutating func superEncoder() -> any Encoder { fatalError("not used") }
            mutating func superEncoder(forKey key: Key) -> any Encoder { fatalError("not used") }
        }
    }
}
