import NIOCore

/// A contract value with its JSON in the API's one encoding, so an answer reused from a cache is not encoded again.
public struct EncodedJSON<Value: Sendable>: Sendable {
    public let value: Value
    public let body: ByteBuffer

    public init(value: Value) throws where Value: Encodable {
        self.value = value
        body = ByteBuffer(bytes: try JSONCoding.bytes(value))
    }
}
