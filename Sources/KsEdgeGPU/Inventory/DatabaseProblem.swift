import GRDB

/// Why the inventory file cannot be used. Start-up stops with it rather than resetting the file: the inventory holds
/// first-seen dates and last good snapshots that nothing else can give back.
public struct DatabaseProblem: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case cannotCreateFolder
        case cannotOpen
        case notADatabase
        case corrupt
        case notWritable
        case newerSchema
    }

    public let path: String
    public let kind: Kind
    /// What SQLite or the file system said, or the unknown migrations.
    public let detail: String

    public var description: String {
        let problem = switch kind {
        case .cannotCreateFolder: "cannot create its folder"
        case .cannotOpen: "cannot be opened"
        case .notADatabase: "is not a SQLite database"
        case .corrupt: "is damaged"
        case .notWritable: "cannot be written"
        case .newerSchema: "was written by a newer ks-edge-gpu"
        }
        let advice = switch kind {
        case .cannotCreateFolder, .cannotOpen:
            "check the path given by --database (DATABASE_PATH)"
        case .notADatabase, .corrupt:
            "it is left as it is: restore a backup, or move it away to start an empty inventory"
        case .notWritable:
            "ks-edge-gpu writes the file and creates its -wal and -shm files beside it: fix the owner or mode of the file and its folder"
        case .newerSchema:
            "run that version or a newer one, or point --database at another file; it is left as it is"
        }
        return "database \(path) \(problem) (\(detail)); \(advice)"
    }

    /// The kind of problem an SQLite error at opening means.
    static func kind(of error: DatabaseError) -> Kind {
        switch error.resultCode {
        case .SQLITE_NOTADB: .notADatabase
        case .SQLITE_CORRUPT: .corrupt
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH: .notWritable
        default: .cannotOpen
        }
    }
}
