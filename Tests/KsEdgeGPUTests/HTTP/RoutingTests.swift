import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU

@Suite struct RoutingTests {
    @Test(arguments: [("POST", "/edge/nodes"), ("DELETE", "/edge/nodes/edge-1/gpu"), ("PUT", "/edge/nodes/edge-1/gpu/history"), ("POST", "/health")])
    func knownPathWithAnotherMethodIs405WithAllow(method: String, path: String) async throws {
        let source = FakeMetricsSource()
        try await TestApp.withRouter(source) { client, _ in
            try await client.execute(uri: path, method: HTTPRequest.Method(method)!) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                let body = try JSONCoding.decoder.decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(body.error.code == "method_not_allowed")
            }
            #expect(!source.queries.contains { $0.text.contains("edge-1") })
        }
    }

    @Test func unknownPathIsStillA404() async throws {
        try await TestApp.withRouter(FakeMetricsSource()) { client, _ in
            try await client.execute(uri: "/edge/nowhere", method: .post) { response in
                #expect(response.status == .notFound)
                let body = try JSONCoding.decoder.decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(body.error.code == "not_found")
            }
        }
    }

    /// The page comes from the binary, byte for byte the repository's Public/, with revalidation headers.
    @Test func pageIsServedFromTheBuild() async throws {
        let file = try Data(contentsOf: URL(fileURLWithPath: Fixtures.publicDirectory).appendingPathComponent("index.html"))
        try await TestApp.withRouter(FakeMetricsSource()) { client, _ in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(response.headers[.eTag] != nil)
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'; style-src 'self'") == true)
                #expect(Data(buffer: response.body) == file)
            }
            // The page runs under that policy: its script and style are files, none inline.
            let html = String(decoding: file, as: UTF8.self)
            #expect(!html.contains("<style") && !html.contains(" style=") && html.firstMatch(of: /\son[a-z]+=/) == nil)
            #expect(html.matches(of: /<script[^>]*>/).allSatisfy { $0.output.contains("src=") })
            for asset in ["js/app.js", "css/app.css"] {
                try await client.execute(uri: "/" + asset, method: .get) { response in
                    #expect(response.status == .ok, "\(asset)")
                    #expect(response.headers[.contentType]?.hasPrefix(asset.hasSuffix(".js") ? "text/javascript" : "text/css") == true,
                            "\(asset): \(response.headers[.contentType] ?? "")")
                }
            }
            // Revalidation: the same ETag back is a 304 without a body.
            let eTag = try await client.execute(uri: "/index.html", method: .get) { $0.headers[.eTag] }
            try await client.execute(uri: "/index.html", method: .get, headers: [.ifNoneMatch: try #require(eTag)]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    /// The console's bundle: the repository's file, as the JavaScript type ks-apiserver gives JSBundles, also with the
    /// `resourceVersion` the console appends when it loads an extension.
    @Test func consoleBundleIsServedAsJavaScript() async throws {
        let file = try Data(contentsOf: URL(fileURLWithPath: Fixtures.publicDirectory).appendingPathComponent("console/index.js"))
        try await TestApp.withRouter(FakeMetricsSource()) { client, _ in
            for uri in ["/console/index.js", "/console/index.js?resourceVersion=4711"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri)")
                    #expect(response.headers[.contentType] == "application/javascript; charset=utf-8", "\(uri)")
                    #expect(response.headers[.cacheControl] == "no-cache")
                    #expect(Data(buffer: response.body) == file)
                }
            }
            // Only the bundle: the page's modules keep their type.
            try await client.execute(uri: "/js/app.js", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/javascript") == true)
            }
        }
        #expect(String(decoding: file, as: UTF8.self).contains("System.register([\"react\", \"react-router-dom\"]"))
    }

    @Test func historyDefaultsComeFromTheApplicationClock() async throws {
        let source = FakeMetricsSource()
        source.answerRanges(with: [Series(labels: ["ks_family": "gpu_temperature:dcgm", "gpu": "0"], points: [.init(timestamp: 1_000_000, value: 40)])])
        try await TestApp.withRouter(source, now: { Date(timeIntervalSince1970: 1_000_000) }) { client, _ in
            let (status, history, _) = try await client.get("/edge/nodes/edge-1/gpu/history", as: History.self)
            #expect(status == .ok)
            #expect(history?.end == Date(timeIntervalSince1970: 1_000_000))
            #expect(history?.start == Date(timeIntervalSince1970: 1_000_000 - HistoryRequest.defaultRange))
        }
    }
}
