import Foundation

/// One thing the board ledger follows on a board: a value of its description, a GPU's model or UUID, an open problem,
/// or whether the board is there at all. Stored as `board_fact.fact` (its `key`), with the value the ledger last
/// recorded; a change of value is an event.
public enum LedgerFact: Hashable, Sendable {
    /// jetpack, l4t, driver, power_mode, module, serial or exporter.
    case description(BoardEventKind)
    /// gpu_model or gpu_uuid of the GPU with this index.
    case gpu(BoardEventKind, index: Int)
    /// A problem of this severity is open (the value is `open`): a change of severity closes one and opens another.
    case problem(ProblemCode, Severity, gpu: Int?, sensor: String?)
    /// `present`, or `gone` once no series came for longer than `--ledger-gone-after`.
    case presence

    static let present = "present"
    static let gone = "gone"
    static let open = "open"

    /// The description kinds of the board itself.
    static let boardKinds: [BoardEventKind] = [.exporter, .module, .serial, .jetpack, .l4t, .driver, .powerMode]

    /// `jetpack`, `gpu_uuid/1`, `problem/gpu_hot/critical/0/`, `presence`.
    public var key: String {
        switch self {
        case .description(let kind): kind.rawValue
        case .gpu(let kind, let index): "\(kind.rawValue)/\(index)"
        case .problem(let code, let severity, let gpu, let sensor): "problem/\(code.rawValue)/\(severity.rawValue)/\(gpu.map(String.init) ?? "")/\(sensor ?? "")"
        case .presence: "presence"
        }
    }

    public init?(key: String) {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1:
            if key == "presence" { self = .presence; return }
            guard let kind = BoardEventKind(rawValue: key), Self.boardKinds.contains(kind) else { return nil }
            self = .description(kind)
        case 2:
            guard let kind = BoardEventKind(rawValue: parts[0]), kind == .gpuModel || kind == .gpuUUID, let index = Int(parts[1]) else { return nil }
            self = .gpu(kind, index: index)
        case 5 where parts[0] == "problem":
            guard let code = ProblemCode(rawValue: parts[1]), let severity = Severity(rawValue: parts[2]) else { return nil }
            let gpu = parts[3].isEmpty ? nil : Int(parts[3])
            guard parts[3].isEmpty || gpu != nil else { return nil }
            self = .problem(code, severity, gpu: gpu, sensor: parts[4].isEmpty ? nil : parts[4])
        default:
            return nil
        }
    }

    /// A board's description and GPUs as facts; values it lacks are left out.
    public static func describing(exporter: ExporterKind, board: NodeGPU.Board, gpus: [InventoryList.GPU]) -> [LedgerFact: String] {
        var facts: [LedgerFact: String] = [.description(.exporter): exporter.rawValue]
        let values: [(BoardEventKind, String?)] = [
            (.module, board.module), (.serial, board.serialNumber), (.jetpack, board.jetpack), (.l4t, board.l4t),
            (.driver, board.driverVersion), (.powerMode, board.nvpmode),
        ]
        for (kind, value) in values {
            if let value, !value.isEmpty { facts[.description(kind)] = value }
        }
        for gpu in gpus {
            if let name = gpu.name, !name.isEmpty { facts[.gpu(.gpuModel, index: gpu.index)] = name }
            if let uuid = gpu.uuid, !uuid.isEmpty { facts[.gpu(.gpuUUID, index: gpu.index)] = uuid }
        }
        return facts
    }

    /// A node's current problems as facts.
    public static func open(_ problems: [Problem]) -> [LedgerFact: String] {
        Dictionary(problems.map { (LedgerFact.problem($0.code, $0.severity, gpu: $0.gpu, sensor: $0.sensor), open) }) { first, _ in first }
    }

    public var isProblem: Bool {
        if case .problem = self { return true }
        return false
    }

    public var isDescription: Bool {
        switch self {
        case .description, .gpu: true
        case .problem, .presence: false
        }
    }
}
