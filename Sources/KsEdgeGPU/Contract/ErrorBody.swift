/// `{ "error": { "code": "invalid_node_name", "message": "…" } }`
public struct ErrorBody: Codable, Sendable, Equatable {
    public var error: Detail

    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }
}
