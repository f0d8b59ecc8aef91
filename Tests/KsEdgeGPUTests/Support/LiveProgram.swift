import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A program running beside the test, its output in a file if one is given; stopped when released.
class BackgroundProcess: @unchecked Sendable {
    let process = Process()

    init(_ executable: String, _ arguments: [String], output: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let output { FileManager.default.createFile(atPath: output, contents: nil) }
        let sink = FileHandle(forWritingAtPath: output ?? "/dev/null")
        process.standardOutput = sink
        process.standardError = sink
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    /// Waits, polling and bounded by `limit`, for the program to end by itself; its exit status, or nil if it still runs.
    func exitStatus(within limit: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, as Kubernetes sends when it stops a pod; returns at once.
    func terminate() { if process.isRunning { process.terminate() } }

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

/// A real server program (node_exporter, Pushgateway, ks-edge-gpu itself) on a free loopback port.
final class LiveProgram: BackgroundProcess, @unchecked Sendable {
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
    init(_ binary: String, readyPath: String, output: String? = nil, arguments: (Int) -> [String]) async throws {
        let port = try LiveServices.freePort()
        self.port = port
        try super.init(binary, arguments(port), output: output)
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

    /// A real Pushgateway, in memory only: Debian's build persists to /var/lib/prometheus by default.
    static func startPushgateway() async throws -> LiveProgram {
        try await LiveProgram(try #require(pushgateway), readyPath: "/-/ready") { port in
            ["--web.listen-address=127.0.0.1:\(port)", "--persistence.file="]
        }
    }
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
