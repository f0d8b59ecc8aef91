import Foundation
import Hummingbird

/// Serves files held in memory (the operator page built into the binary) through Hummingbird's `FileMiddleware`,
/// which adds content types, `ETag`, `Last-Modified` and ranges.
struct InMemoryFileProvider: FileProvider {
    struct FileAttributes: FileMiddlewareFileAttributes, Sendable {
        let isFolder: Bool
        let size: Int
        let modificationDate: Date
    }

    private let files: [String: ByteBuffer]
    private let folders: Set<String>
    /// The files change only with the binary: the time it started stands for their modification (and ETag).
    private let loaded: Date

    /// `files` keyed by their path inside the served folder (`index.html`, `js/app.js`).
    init(files: [String: [UInt8]], loaded: Date = Date()) {
        self.files = Dictionary(uniqueKeysWithValues: files.map { ("/" + $0.key, ByteBuffer(bytes: $0.value)) })
        var folders: Set<String> = ["/"]
        for path in files.keys {
            var parts = path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                folders.insert("/" + parts.joined(separator: "/") + "/")
                parts = parts.dropLast()
            }
        }
        self.folders = folders
        self.loaded = loaded
    }

    func getFileIdentifier(_ path: String) -> String? { path }

    func getAttributes(id: String) async throws -> FileAttributes? {
        if let file = files[id] { return FileAttributes(isFolder: false, size: file.readableBytes, modificationDate: loaded) }
        if folders.contains(id) || folders.contains(id + "/") { return FileAttributes(isFolder: true, size: 0, modificationDate: loaded) }
        return nil
    }

    func loadFile(id: String, context: some RequestContext) async throws -> ResponseBody {
        guard let file = files[id] else { throw HTTPError(.notFound) }
        return ResponseBody(byteBuffer: file)
    }

    func loadFile(id: String, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        guard let file = files[id], let slice = file.getSlice(at: range.lowerBound, length: range.count) else { throw HTTPError(.notFound) }
        return ResponseBody(byteBuffer: slice)
    }
}
