import Foundation

/// What changed on a board, as the ledger records it (`GET /edge/events`, `/edge/nodes/{name}/events`).
public enum BoardEventKind: String, Codable, Sendable, CaseIterable {
    case jetpack, l4t, driver
    case powerMode = "power_mode"
    case module
    /// The board's serial number: a board swapped under the same node name.
    case serial
    /// A GPU's model or UUID (a GPU swapped in a server), per GPU index.
    case gpuModel = "gpu_model"
    case gpuUUID = "gpu_uuid"
    /// The node moved to another exporter.
    case exporter
    case firstSeen = "first_seen"
    /// No series for longer than `--ledger-gone-after`; `back` when they return.
    case gone, back
    case problemOpened = "problem_opened"
    case problemClosed = "problem_closed"

    /// The kinds that follow one value of the board's description.
    public var isDescription: Bool {
        switch self {
        case .jetpack, .l4t, .driver, .powerMode, .module, .serial, .gpuModel, .gpuUUID, .exporter: true
        case .firstSeen, .gone, .back, .problemOpened, .problemClosed: false
        }
    }
}

/// One change on one board, recorded once: `observedAt` is the time of the first sample that showed it.
public struct BoardEvent: Codable, Sendable, Hashable {
    public var node: String
    public var kind: BoardEventKind
    /// The value before and after: a version, a serial, a UUID, an exporter; a problem's code (opened: `new`, closed:
    /// `old`); null where there was none.
    @Nullable public var old: String?
    @Nullable public var new: String?
    public var observedAt: Date
    /// The GPU a GPU or problem event concerns.
    @Nullable public var gpu: Int?
    /// The sensor a problem event concerns.
    @Nullable public var sensor: String?
    /// A problem event's severity.
    @Nullable public var severity: Severity?

    public init(node: String, kind: BoardEventKind, old: String?, new: String?, observedAt: Date, gpu: Int? = nil, sensor: String? = nil,
                severity: Severity? = nil) {
        self.node = node
        self.kind = kind
        self.old = old
        self.new = new
        self.observedAt = observedAt
        self.gpu = gpu
        self.sensor = sensor
        self.severity = severity
    }
}

/// `GET /edge/events`, `GET /edge/nodes/{name}/events`: newest first, paged like the fleet.
public struct EventList: Codable, Sendable, Hashable {
    public var items: [BoardEvent]
    public var totalItems: Int

    public init(items: [BoardEvent], totalItems: Int) {
        self.items = items
        self.totalItems = totalItems
    }
}
