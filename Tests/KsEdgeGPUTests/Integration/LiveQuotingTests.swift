import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// Prometheus itself reads our quoted values back: `absent(m{v="…"})` answers with the label `v` as Prometheus parsed
/// the literal, so any value that escaped its quotes, or was read differently, shows.
@Suite(.serialized, .enabled(if: LiveServices.canRun, "prometheus is not installed"))
struct LiveQuotingTests {
    @Test func prometheusReadsEveryQuotedValueAsTheValue() async throws {
        let binary = try #require(LiveServices.prometheusBinary)
        let prometheus = try PrometheusProcess(targetsPort: try LiveServices.freePort(), binary: binary)
        defer { prometheus.stop() }
        for _ in 0..<120 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "\(prometheus.url)/-/ready")!),
               (response as? HTTPURLResponse)?.statusCode == 200 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        // Prometheus drops empty label values, so every value has at least one character.
        await propertyCheck(count: 200, input: HostileText.string(of: 1...30), perform: failingOnThrow { value in
            let query = "absent(ks_edge_gpu_no_such_metric\(Selector().equal(LabelName("v")!, value).text))"
            let series = try await prometheus.query(query)
            #expect(series.count == 1 && series.first?.labels["v"] == value, "\(value.debugDescription) came back as \(series)")
        })
    }
}
