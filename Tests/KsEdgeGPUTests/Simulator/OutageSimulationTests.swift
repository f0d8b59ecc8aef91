import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import KsEdgeGPU
@testable import Simulator

/// A simulated board losing its link: its pages fail to scrape for the outage's span, other boards are untouched.
@Suite struct OutageSimulationTests {
    @Test func parsesNodeAfterAndLasting() throws {
        let outage = try Outage.parse("edge-orin-nano-03:2m:30s", duration: DurationText.parse)
        #expect(outage == Outage(node: "edge-orin-nano-03", after: .seconds(120), lasting: .seconds(30)))
    }

    @Test(arguments: ["edge-orin-nano-03", "edge-orin-nano-03:2m", ":1s:1s", "n:1s:0s", "n:soon:1s", "n:1s:1s:1s"])
    func rejectsAnythingElse(text: String) {
        #expect(throws: (any Error).self) { try Outage.parse(text, duration: DurationText.parse) }
    }

    @Test func coversItsSpanOnly() {
        let outage = Outage(node: "n", after: .seconds(10), lasting: .seconds(5))
        #expect(!outage.covers(.seconds(9)))
        #expect(outage.covers(.seconds(10)))
        #expect(outage.covers(.milliseconds(14_999)))
        #expect(!outage.covers(.seconds(15)))
    }

    @Test func aBoardWhoseLinkIsDownFailsToScrapeWhileOthersAnswer() async throws {
        var configuration = SimulatorConfiguration()
        configuration.boards = 3
        configuration.port = 0
        configuration.outages = [
            Outage(node: "edge-agx-orin-02", after: .zero, lasting: .seconds(3600)),
            Outage(node: "edge-orin-nano-03", after: .seconds(3600), lasting: .seconds(60)),
        ]
        let app = try SimulatorServer.build(configuration, logger: TestApp.logger)
        try await app.test(.router) { client in
            for page in ["metrics", "node-exporter/metrics"] {
                try await client.execute(uri: "/nodes/edge-agx-orin-02/\(page)", method: .get) { response in
                    #expect(response.status == .serviceUnavailable, "\(page) of the board whose link is down")
                }
                try await client.execute(uri: "/nodes/edge-orin-nano-03/\(page)", method: .get) { response in
                    #expect(response.status == .ok, "\(page) of a board whose outage is an hour away")
                }
            }
            // Still a target: Prometheus keeps trying, as it does for an edge node that dropped off.
            try await client.execute(uri: "/targets", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""instance":"edge-agx-orin-02""#))
            }
        }
    }
}
