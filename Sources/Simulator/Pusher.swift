import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Edge nodes that Prometheus cannot scrape: each pushes its exporter's page (and its node-exporter page) to a
/// Pushgateway every `interval`, under the grouping key `/metrics/job/<job>/instance/<node>` as a push script on the
/// board would. After `stopAfter` the first of them stops pushing, as a board that lost its link does: the Pushgateway
/// keeps serving its last push.
struct Pusher: Service {
    let gateway: URL
    /// The boards that push, by node; their pages are rendered as they are at each push.
    let boards: [String]
    let fleet: SimulatedFleet
    let nodeExporter: Bool
    let interval: Duration
    let stopAfter: Duration
    let logger: Logger

    /// A push group: the grouping key's job, and the page it carries.
    struct Group {
        var job: String
        var render: @Sendable (Double) -> String
    }

    func groups(_ board: SimulatedBoard) -> [Group] {
        let exporter = Group(job: board.kind.exporter.targetLabels(node: board.node)["job"] ?? board.kind.exporter.rawValue, render: board.render(at:))
        guard nodeExporter else { return [exporter] }
        return [exporter, Group(job: "node-exporter", render: { NodeExporterExposition.render(board, at: $0) })]
    }

    func run() async throws {
        let started = ContinuousClock.now
        var stopped: String?
        while !Task.isCancelledOrShuttingDown {
            if stopped == nil, ContinuousClock.now - started >= stopAfter, let first = boards.first {
                stopped = first
                logger.notice("\(first) stops pushing; the Pushgateway keeps serving its last push", metadata: ["node": "\(first)"])
            }
            let now = Date().timeIntervalSince1970
            for board in boards.compactMap(fleet.board) where board.node != stopped {
                for group in groups(board) { await push(group.render(now), job: group.job, node: board.node) }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func push(_ page: String, job: String, node: String) async {
        let url = gateway.appending(path: "metrics/job/\(job)/instance/\(node)")
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "text/plain; version=0.0.4")
        request.body = .bytes(ByteBuffer(string: page))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if response.status.code >= 300 {
                logger.warning("Pushgateway refused a push", metadata: ["node": "\(node)", "job": "\(job)", "status": "\(response.status.code)"])
            }
        } catch {
            logger.warning("push failed", metadata: ["node": "\(node)", "job": "\(job)", "error": "\(error)"])
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { isCancelled || Task<Never, Never>.isShuttingDownGracefully }
}
