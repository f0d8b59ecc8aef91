/// What an exporter's own families say about the problems only it can tell (throttling, XIDs, ECC, row remapping,
/// resets): per problem it exports a signal for, the GPUs where the signal tripped, none when all are clear. A problem
/// missing here has no signal on the node: unknown, never healthy. Temperatures, sensors, RAM and disk are read from
/// the snapshot itself (`Problems`).
public struct HealthSignals: Sendable, Hashable {
    public struct Trip: Sendable, Hashable {
        public var gpu: Int?
        /// What tripped it: an XID code, an error count, a recovery action.
        public var value: Double?
        /// The exporter's words for it, where it has some (dcgm-exporter's `err_msg`).
        public var detail: String?

        public init(gpu: Int?, value: Double? = nil, detail: String? = nil) {
            self.gpu = gpu
            self.value = value
            self.detail = detail
        }
    }

    public private(set) var trips: [ProblemCode: [Trip]] = [:]

    public init() {}

    /// `code` has a signal on this node; `tripped` are where it fired (none: clear).
    public mutating func observe(_ code: ProblemCode, _ tripped: [Trip]) {
        trips[code, default: []] += tripped
    }

    public func exports(_ code: ProblemCode) -> Bool { trips[code] != nil }
}
