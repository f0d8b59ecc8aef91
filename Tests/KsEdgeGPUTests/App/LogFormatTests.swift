import Foundation
import Logging
import Synchronization
import Testing
@testable import KsEdgeGPU

/// `--log-format json`: one JSON object per line with time, level, logger, message, the metadata and the request id.
@Suite struct LogFormatTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var objects: [[String: Any]] {
            lines.withLock { $0 }.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
        }
    }

    func logger(_ lines: Lines) -> Logger {
        Logger(label: "ks-edge-gpu") { label in
            JSONLogHandler(label: label, metadataProvider: RequestTrace.metadataProvider) { line in lines.lines.withLock { $0.append(line) } }
        }
    }

    @Test func oneObjectPerLineWithTheRequestsID() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "component"] = "refresh"
        RequestTrace.$id.withValue("req-1") {
            logger.warning("Prometheus query failed; serving the stored snapshot", metadata: [
                "node": "edge-nx-01", "error": "timed out after 2.0 s", "attempts": .array(["1", "2"]),
                "message": "a metadata key named like a field",
            ])
        }
        logger.info("multi\nline \"quoted\" message")
        let raw = lines.lines.withLock { $0 }
        #expect(raw.count == 2 && raw.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().allSatisfy { $0 != "\n" } })
        let first = try #require(lines.objects.first)
        #expect(first["level"] as? String == "warning")
        #expect(first["logger"] as? String == "ks-edge-gpu")
        #expect(first["message"] as? String == "Prometheus query failed; serving the stored snapshot")
        #expect(first["node"] as? String == "edge-nx-01")
        #expect(first["component"] as? String == "refresh")
        #expect(first["attempts"] as? [String] == ["1", "2"])
        #expect(first["metadata.message"] as? String == "a metadata key named like a field")
        #expect(first[RequestTrace.metadataKey] as? String == "req-1")
        let time = try #require(first["time"] as? String)
        #expect(RFC3339.parse(time).map { abs($0.timeIntervalSinceNow) < 60 } == true, "\(time)")
        let second = try #require(lines.objects.last)
        #expect(second["message"] as? String == "multi\nline \"quoted\" message")
        #expect(second[RequestTrace.metadataKey] == nil, "outside a request no id")
    }

    @Test func levelsBelowTheSetOneAreDropped() {
        let lines = Lines()
        var logger = logger(lines)
        logger.logLevel = .notice
        logger.info("not written")
        logger.notice("written")
        #expect(lines.objects.map { $0["message"] as? String } == ["written"])
    }
}
