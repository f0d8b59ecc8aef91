import Hummingbird

extension RequestContext {
    /// The `{name}` path parameter, validated before anything else looks at it.
    func nodeName() throws(APIError) -> NodeName {
        let raw = parameters.get("name").map { $0.removingPercentEncoding ?? $0 } ?? ""
        guard let node = NodeName(raw) else { throw .invalidNodeName(raw) }
        return node
    }
}
