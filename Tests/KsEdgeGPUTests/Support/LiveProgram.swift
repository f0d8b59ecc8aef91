import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A real program from a Debian package (node_exporter, Pushgateway) on a free loopback port, stopped when released.
final class LiveProgram: @unchecked Sendable {
    let process = Process()
    let port: Int

    static var nodeExporter: String? {
        LiveServices.installed("NODE_EXPORTER_BIN", ["/usr/bin/prometheus-node-exporter", "/usr/local/bin/node_exporter"])
    }
    /// This package's own `ks-edge-gpu`, built beside the test bundle by `swift build --build-tests`.
    static var server: String? {
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("ks-edge-gpu").path
        return LiveServices.installed("KS_EDGE_GPU_BIN", [beside])
    }
    static var pushgateway: String? { LiveServices.installed("PUSHGATEWAY_BIN", ["/usr/bin/prometheus-pushgateway", "/usr/local/bin/pushgateway"]) }

    /// Starts `binary` with `arguments(port)` and waits (bounded) until `readyPath` answers.
    init(_ binary: String, readyPath: String, arguments: (Int) -> [String]) async throws {
        port = try LiveServices.freePort()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments(port)
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        for _ in 0..<120 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "\(url)\(readyPath)")!),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        stop()
        Issue.record("\(binary) did not answer \(readyPath) in 30s")
        throw CancellationError()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// SIGKILL, as the kernel's OOM killer or a lost node would: no chance to finish anything.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then SIGKILL if it has not stopped within five seconds (a child may inherit a blocked SIGTERM).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<50 where process.isRunning { usleep(100_000) }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// Runs curl, as an operator or a push script on an edge board would; returns its exit status and output.
@discardableResult
func curl(_ arguments: [String]) throws -> (status: Int32, output: String) {
    try run("/usr/bin/curl", ["-sS"] + arguments)
}

/// Runs `executable` to its end; returns its exit status and what it wrote to stdout and stderr.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
