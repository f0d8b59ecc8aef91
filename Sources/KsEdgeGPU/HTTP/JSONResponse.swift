import Hummingbird

extension Response {
    /// A JSON body in the API's one encoding (sorted keys, RFC 3339 dates, explicit nulls).
    static func json(_ value: some Encodable & Sendable, status: HTTPResponse.Status = .ok) throws -> Response {
        json(try EncodedJSON(value: value), status: status)
    }

    /// An answer encoded before (a cached one), sent as it is.
    static func json(_ encoded: EncodedJSON<some Sendable>, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: encoded.body))
    }
}
