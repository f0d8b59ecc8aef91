import Foundation
import GRDB

/// A row of the `board` table.
public struct BoardRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "board"

    public var node: String
    public var exporter: ExporterKind
    public var model: String?
    public var jetpack: String?
    public var l4t: String?
    public var soc: String?
    public var codename: String?
    public var module: String?
    public var board: String?
    public var cudaArch: String?
    public var serialNumber: String?
    public var nvpmode: String?
    public var driverVersion: String?
    /// Its GPUs as last described (stored as JSON); nil in rows written before the ledger.
    public var gpus: [InventoryList.GPU]?
    public var firstSeen: Date
    public var lastSeen: Date
    /// The newest sample time at which its description was what the ledger holds; nil keeps the stored one on upsert.
    public var agreedAt: Date?

    enum CodingKeys: String, CodingKey {
        case node, exporter, model, jetpack, l4t, soc, codename, module, board, nvpmode, gpus
        case cudaArch = "cuda_arch"
        case serialNumber = "serial_number"
        case driverVersion = "driver_version"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case agreedAt = "agreed_at"
    }

    /// The columns that describe the board (its exporter and identity), as opposed to when it was seen.
    static var describingColumns: [Column] {
        let keys: [CodingKeys] = [.exporter, .model, .jetpack, .l4t, .soc, .codename, .module, .board, .cudaArch, .serialNumber, .nvpmode,
                                  .driverVersion]
        return keys.map { Column($0) }
    }

    /// A board as observed at `seen`; `firstSeen` is kept from the stored row on upsert.
    public init(node: String, exporter: ExporterKind, board: NodeGPU.Board, gpus: [InventoryList.GPU]? = nil, seen: Date) {
        self.node = node
        self.exporter = exporter
        model = board.model
        jetpack = board.jetpack
        l4t = board.l4t
        soc = board.soc
        codename = board.codename
        module = board.module
        self.board = board.board
        cudaArch = board.cudaArch
        serialNumber = board.serialNumber
        nvpmode = board.nvpmode
        driverVersion = board.driverVersion
        self.gpus = gpus
        firstSeen = seen
        lastSeen = seen
    }

    /// The inventory's view of this row.
    public var item: InventoryList.Item {
        InventoryList.Item(node: node, exporter: exporter, model: model, module: module, serialNumber: serialNumber, jetpack: jetpack,
                           l4t: l4t, driverVersion: driverVersion, nvpmode: nvpmode, gpus: gpus ?? [], firstSeen: firstSeen, lastSeen: lastSeen)
    }

    /// The contract's view of this row.
    public var contract: NodeGPU.Board {
        NodeGPU.Board(
            model: model, jetpack: jetpack, l4t: l4t, soc: soc, codename: codename, module: module, board: board,
            cudaArch: cudaArch, serialNumber: serialNumber, nvpmode: nvpmode, driverVersion: driverVersion,
            firstSeen: firstSeen, lastSeen: lastSeen
        )
    }
}

extension ExporterKind: DatabaseValueConvertible {}
