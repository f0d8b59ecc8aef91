import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

/// CORS off unless asked for; no sniffing and no referrer on every answer; slow or idle clients cannot hold
/// connections; oversized headers are refused.
@Suite struct HTTPHygieneTests {
    static let console = "https://console.example.com"

    @Test func corsIsOffByDefault() async throws {
        try await TestApp.withRouter(FakeMetricsSource()) { client, _ in
            try await client.execute(uri: "/edge/nodes", method: .get, headers: [.origin: Self.console]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            try await client.execute(uri: "/edge/nodes", method: .options, headers: [
                .origin: Self.console, .accessControlRequestMethod: "GET",
            ]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
                #expect(response.status == .methodNotAllowed)
            }
        }
    }

    @Test func corsOriginAllowsThatOriginOnly() async throws {
        try await TestApp.withRouter(FakeMetricsSource(), configure: { $0.corsOrigin = Self.console }) { client, _ in
            try await client.execute(uri: "/edge/nodes", method: .options, headers: [
                .origin: Self.console, .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "authorization",
            ]) { response in
                #expect(response.status == .noContent || response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == Self.console)
                #expect(response.headers[.accessControlAllowHeaders]?.lowercased().contains("authorization") == true)
            }
            try await client.execute(uri: "/edge/nodes", method: .get, headers: [.origin: Self.console]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == Self.console)
                #expect(response.headers[.accessControlExposeHeaders]?.contains("X-Data-Age") == true)
            }
            try await client.execute(uri: "/edge/nodes", method: .get, headers: [.origin: "https://elsewhere.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] != "https://elsewhere.example")
            }
        }
    }

    @Test(arguments: ["https://console.example.com/", "console.example.com", "ftp://console", "https://a.example/path", "*"])
    func corsOriginMustBeAnOrigin(text: String) {
        #expect(throws: (any Error).self) { try ServeConfiguration.resolve(flags: [.corsOrigin: text], environment: [:]) }
    }

    @Test(arguments: ["/", "/edge/nodes", "/edge/nodes/Bad_Name/gpu", "/nowhere", "/health"])
    func everyAnswerForbidsSniffingAndReferrers(uri: String) async throws {
        try await TestApp.withRouter(FakeMetricsSource()) { client, _ in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri) \(response.status)")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(uri)")
                #expect((response.headers[.contentSecurityPolicy] != nil) == (uri == "/"), "\(uri): the policy is the page's")
            }
        }
    }

    enum Ending { case closed, reset, waitedOut }

    /// Connects, sends `text`, and waits (bounded) for the server to answer and close; returns what it read and how
    /// the connection ended. The blocking socket calls run on a thread of their own, never on the concurrency pool
    /// the server itself runs on.
    static func rawExchange(port: Int, send text: String, wait seconds: Int) async throws -> (answer: String, ending: Ending) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try blockingExchange(port: port, send: text, wait: seconds) })
            }
        }
    }

    static func blockingExchange(port: Int, send text: String, wait seconds: Int) throws -> (answer: String, ending: Ending) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { break }
            sent += count
        }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            // errno at once: anything called after recv (an allocation, a contended lock) may set it again.
            let failure = count < 0 ? errno : 0
            if failure == EINTR { continue }
            let answer = String(decoding: received, as: UTF8.self)
            if count == 0 { return (answer, .closed) }
            if count < 0 { return (answer, failure == ECONNRESET ? .reset : .waitedOut) }
            received += buffer[0..<count]
        }
    }

    @Test func aClientTooSlowToSendItsRequestIsCutOff() async throws {
        try await TestApp.withLiveServer(FakeMetricsSource(), configure: { $0.idleTimeout = .seconds(1) }) { port, _ in
            // Half a request, then nothing: the server closes the connection after the idle timeout. (Closed or reset: on
            // a loaded machine the half request can still be unread in the socket when it closes, and the close is a reset.)
            let (answer, ending) = try await Self.rawExchange(port: port, send: "GET /health HTTP/1.1\r\nHost: x\r\n", wait: 15)
            #expect(ending != .waitedOut && answer.isEmpty, "\(ending): \(answer)")
            // A keep-alive connection with nothing more to ask is closed too, after its answer.
            let (kept, keptEnding) = try await Self.rawExchange(port: port, send: "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", wait: 15)
            #expect(kept.hasPrefix("HTTP/1.1 200") && keptEnding == .closed, "\(kept)")
        }
    }

    @Test func oversizedHeadersAreRefused() async throws {
        try await TestApp.withLiveServer(FakeMetricsSource()) { port, _ in
            let big = String(repeating: "a", count: 20 << 10)
            let (answer, ending) = try await Self.rawExchange(port: port, send: "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n", wait: 15)
            // A 400 and the connection closed; the close may come as a reset (the rest of the request unread), which
            // can discard the 400 before it is read. Either way never served, never left open.
            #expect(ending != .waitedOut && (answer.isEmpty || answer.hasPrefix("HTTP/1.1 400")), "\(ending) \(answer.prefix(200))")
        }
    }

    /// The answer's body, after the blank line that ends its head.
    static func body(of answer: String) -> Data {
        Data((answer.range(of: "\r\n\r\n").map { String(answer[$0.upperBound...]) } ?? "").utf8)
    }

    /// Requests the HTTP parser refuses before any route sees them still get the API's JSON error and headers.
    @Test(arguments: [
        "GET /health HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n", "\u{1}\u{2}garbage\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", "GET /he alth HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /nodes/é HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /health HTTP/1.1\r\n" + (0..<120).map { "X-\($0): 1\r\n" }.joined() + "\r\n",
    ])
    func unreadableRequestsGetTheJSONError(request: String) async throws {
        try await TestApp.withLiveServer(FakeMetricsSource()) { port, _ in
            let (answer, ending) = try await Self.rawExchange(port: port, send: request, wait: 15)
            #expect(ending == .closed)
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(200))")
            #expect(answer.lowercased().contains("content-type: application/json") && answer.lowercased().contains("x-content-type-options: nosniff"))
            let error = try JSONCoding.decoder.decode(ErrorBody.self, from: Self.body(of: answer))
            #expect(error.error.code == "bad_request")
        }
    }

    @Test func anOversizedURLGetsTheJSONError() async throws {
        try await TestApp.withLiveServer(FakeMetricsSource()) { port, _ in
            let path = "/edge/nodes/" + String(repeating: "a", count: 40 << 10) + "/gpu"
            // A generous deadline: the whole suite shares two cores and the event loops, and once ran this past 10 s.
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(30))
            #expect(response.status == .badRequest)
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(try JSONCoding.decoder.decode(ErrorBody.self, from: Data(buffer: body)).error.code == "bad_request")
        }
    }
}
