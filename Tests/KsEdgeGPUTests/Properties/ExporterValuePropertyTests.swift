import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// Exporters' pages with values no board reports (NaN, ±Inf, numbers past any integer, offline sensors, negatives) and
/// labels missing, so that fallbacks such as nvidia-smi's `nvidia_smi_index` are read. Every page is still read, and the snapshot encodes to JSON, whose numbers are all finite.
@Suite struct ExporterValuePropertyTests {
    static let hostile: [Double] = [.nan, .infinity, -.infinity, 1e300, -1e300, 1e19, -1e19, 9.3e18, -256, -1, 0, 0.5, 1e-300]

    static let pages = Generator<[Series], Shrink.None<[Series]>>(run: { rng in
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path)) ?? []).filter { $0.hasSuffix(".prom") }.sorted()
        guard let file = files.randomElement(using: &rng), let series = try? Fixtures.series(file, node: "edge-hostile", timestamp: 1_795_432_961) else {
            return []
        }
        let share = Int.random(in: 1...4, using: &rng)
        return series.map { series in
            var series = series
            if Int.random(in: 0..<share, using: &rng) == 0 {
                series.points = series.points.map { .init(timestamp: $0.timestamp, value: hostile.randomElement(using: &rng)!) }
            }
            let optional = series.labels.keys.filter { !["__name__", "instance", "job"].contains($0) }.sorted()
            if Int.random(in: 0..<share, using: &rng) == 0, let dropped = optional.randomElement(using: &rng) {
                series.labels[dropped] = nil
            }
            return series
        }
    })

    @Test func hostileValuesAreReadAndEncodeAsFiniteJSON() async throws {
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path)) ?? []).isEmpty)
        await propertyCheck(count: 300, input: Self.pages) { series in
            #expect(!series.isEmpty, "no fixture read")
            let node = try #require(Normalizer.normalize(node: "edge-hostile", series: series), "a page no exporter claims")
            let json = try JSONCoding.encoder.encode(node)
            // Decoding with Foundation's parser would accept neither NaN nor Infinity; it is the console's parser too.
            #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: json) }
        }
    }
}
