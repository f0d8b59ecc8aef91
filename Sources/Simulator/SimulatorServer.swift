import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The simulated fleet exporter: `/nodes/<node>/metrics` per board, `/targets` for Prometheus' http_sd.
public struct SimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 9100
    public var boards = 3
    /// Which exporters the simulated nodes run, with weights.
    public var mix: [(SimulatedBoard.Exporter, Int)] = [(.jetson, 1)]
    /// Extra nodes that replay a captured exporter page verbatim: node name -> file.
    public var fixtures: [String: String] = [:]
    /// The address Prometheus should scrape (`host:port`); defaults to host and port.
    public var advertise: String?
    /// Also serve a node-exporter page per simulated board, as a second target of the same node.
    public var nodeExporter = true
    /// A Pushgateway that the last `pushBoards` boards push to instead of being scraped.
    public var pushGateway: URL?
    public var pushBoards = 2
    public var pushInterval: Duration = .seconds(10)
    /// When the first pushing board stops pushing.
    public var stopPushingAfter: Duration = .seconds(60)
    /// Boards whose link goes down for a while: their pages fail to scrape, leaving a gap in their history.
    public var outages: [Outage] = []
    /// Faults that come and go on every board (`Fault`).
    public var faults = false
    /// Every this often one more board is upgraded or swapped (`FleetChanger`); nil: only when asked
    /// (`POST /nodes/<node>/upgrade`, `/swap`).
    public var changesEvery: Duration?
    /// Boards per scrape target: above 1, the scraped boards are served in racks (`RackPage`) listed at
    /// `/rack-targets`, to scrape with `honor_labels`, and `/targets` lists only the replayed fixtures.
    public var nodesPerTarget = 1

    public init() {}
}

public enum SimulatorServer {
    public struct FixtureError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func build(_ configuration: SimulatorConfiguration, logger: Logger,
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let fleet = SimulatedBoard.fleet(count: configuration.boards, mix: configuration.mix, faults: configuration.faults)
        let boards = Dictionary(uniqueKeysWithValues: fleet.map { ($0.node, $0) })
        let current = SimulatedFleet(fleet)
        let pushed = configuration.pushGateway == nil ? [] : Array(fleet.suffix(max(0, configuration.pushBoards)))
        let pushedNodes = Set(pushed.map(\.node))
        var fixtures: [String: String] = [:]
        for (node, path) in configuration.fixtures {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw FixtureError(description: "cannot read fixture \(path) for node \(node)")
            }
            fixtures[node] = text
        }
        let replayed = fixtures
        let exporters = boards.mapValues(\.kind.exporter).merging(replayed.mapValues(SimulatedBoard.Exporter.of(page:))) { first, _ in first }
        // Pushing boards are not scrape targets: Prometheus reads them from the Pushgateway.
        let racked = configuration.nodesPerTarget > 1
        let nodes = exporters.keys.filter { !pushedNodes.contains($0) && !(racked && boards[$0] != nil) }.sorted()
        // Racks of one exporter's boards each (node-exporter's pages in racks of their own), in the fleet's order.
        var racks: [String: [[String]]] = [:]
        if racked {
            let scraped = fleet.filter { !pushedNodes.contains($0.node) }
            let size = configuration.nodesPerTarget
            let inRacks = { (members: [String]) in
                stride(from: 0, to: members.count, by: size).map { Array(members[$0..<min(members.count, $0 + size)]) }
            }
            for exporter in SimulatedBoard.Exporter.allCases {
                racks[exporter.rawValue] = inRacks(scraped.filter { $0.kind.exporter == exporter }.map(\.node))
            }
            if configuration.nodeExporter { racks["node-exporter"] = inRacks(scraped.map(\.node)) }
        }
        let rackList = racks
        // With port 0 the real port is known only once bound; /targets must advertise that one.
        let boundPort = Mutex<Int>(configuration.port)
        let started = ContinuousClock.now
        /// A board whose link is down cannot be scraped: Prometheus records the failure and marks its series stale.
        @Sendable func reachable(_ node: String) throws {
            let elapsed = ContinuousClock.now - started
            if configuration.outages.contains(where: { $0.node == node && $0.covers(elapsed) }) {
                throw HTTPError(.serviceUnavailable, message: "simulated link outage of \(node)")
            }
        }

        let router = Router()
        router.get("health") { _, _ in "ok" }
        router.get("targets") { _, _ -> Response in
            let address = configuration.advertise ?? "\(configuration.host):\(boundPort.withLock { $0 })"
            var groups = nodes.map { node in
                TargetGroup(targets: [address], labels: exporters[node]!.targetLabels(node: node).merging([
                    "__metrics_path__": "/nodes/\(node)/metrics", "instance": node,
                ]) { _, new in new })
            }
            if configuration.nodeExporter && !racked {
                // As the node-exporter ServiceMonitor relabels it: instance = the node name.
                groups += boards.keys.filter { !pushedNodes.contains($0) }.sorted().map { node in
                    TargetGroup(targets: [address], labels: [
                        "__metrics_path__": "/nodes/\(node)/node-exporter/metrics", "instance": node, "job": "node-exporter",
                        "namespace": "kubesphere-monitoring-system", "pod": "node-exporter-\(podSuffix(node))",
                    ])
                }
            }
            let body = try JSONEncoder().encode(groups)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("rack-targets") { _, _ -> Response in
            let address = configuration.advertise ?? "\(configuration.host):\(boundPort.withLock { $0 })"
            var groups: [TargetGroup] = []
            for (name, members) in rackList.sorted(by: { $0.key < $1.key }) {
                let job = SimulatedBoard.Exporter(rawValue: name).map { $0.targetLabels(node: name)["job"] ?? name } ?? name
                for index in members.indices {
                    groups.append(TargetGroup(targets: [address], labels: [
                        "__metrics_path__": "/racks/\(name)/\(index)/metrics", "job": job, "rack": "\(name)-\(index)",
                    ]))
                }
            }
            let body = try JSONEncoder().encode(groups)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("racks/{exporter}/{index}/metrics") { _, context -> Response in
            let name = context.parameters.get("exporter") ?? ""
            guard let index = context.parameters.get("index").flatMap({ Int($0) }), let members = rackList[name], members.indices.contains(index) else {
                throw HTTPError(.notFound, message: "no simulated rack here")
            }
            let time = Date().timeIntervalSince1970
            // A board whose link is down is missing from its rack's page: its series go stale, the rest's do not.
            let pages = members[index].compactMap(current.board).compactMap { board -> (node: String, text: Substring)? in
                guard (try? reachable(board.node)) != nil else { return nil }
                return (board.node, Substring(name == "node-exporter" ? NodeExporterExposition.render(board, at: time) : board.render(at: time)))
            }
            return exposition(RackPage.merge(pages))
        }
        // A board upgraded or swapped while running: its page changes from the next scrape or push on.
        for change in [SimulatedFleet.Change.upgrade, .swap] {
            router.post("nodes/{node}/\(change.rawValue)") { _, context -> Response in
                let node = context.parameters.get("node") ?? ""
                guard let revision = current.apply(change, to: node) else { throw HTTPError(.notFound, message: "no simulated node \(node)") }
                logger.notice("\(node): \(change == .upgrade ? "upgraded" : "swapped")", metadata: ["node": "\(node)"])
                let body = try JSONEncoder().encode(revision)
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
        router.get("nodes/{node}/node-exporter/metrics") { _, context -> Response in
            guard configuration.nodeExporter, let board = current.board(context.parameters.get("node") ?? "") else {
                throw HTTPError(.notFound, message: "no simulated node-exporter here")
            }
            try reachable(board.node)
            return exposition(NodeExporterExposition.render(board, at: Date().timeIntervalSince1970))
        }
        router.get("nodes/{node}/metrics") { _, context -> Response in
            let node = context.parameters.get("node") ?? ""
            try reachable(node)
            let text: String
            if let fixture = replayed[node] {
                text = fixture
            } else if let board = current.board(node) {
                text = board.render(at: Date().timeIntervalSince1970)
            } else {
                throw HTTPError(.notFound, message: "no simulated node \(node)")
            }
            return exposition(text)
        }
        let pusher = configuration.pushGateway.map { gateway in
            Pusher(gateway: gateway, boards: pushed.map(\.node), fleet: current, nodeExporter: configuration.nodeExporter,
                   interval: configuration.pushInterval, stopAfter: configuration.stopPushingAfter, logger: logger)
        }
        let changer = configuration.changesEvery.map { FleetChanger(fleet: current, interval: $0, logger: logger) }
        let services: [any Service] = (pusher.map { [$0] } ?? []) + (changer.map { [$0] } ?? [])
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ks-edge-gpu-simulator"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                boundPort.withLock { $0 = port }
                await onServerRunning(port)
            },
            logger: logger)
    }

    /// A scrape page in Prometheus' text exposition format.
    static func exposition(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    struct TargetGroup: Encodable {
        var targets: [String]
        var labels: [String: String]
    }
}
