import Foundation
import PropertyBased
import Testing
@testable import KsEdgeGPU

/// Exporters' pages with values no board reports (NaN, ±Inf, numbers past any integer, offline sensors, negatives) and
/// labels missing or holding such numbers as text, so that fallbacks such as nvidia-smi's `nvidia_smi_index` are read. Every page is still read, and the snapshot encodes to JSON, whose numbers are all finite.
@Suite struct ExporterValuePropertyTests {
    /// Numbers as label text: jtop's process figures are labels.
    static let hostileText = ["nan", "NaN", "inf", "-Inf", "1e400", "-1e400", "1e300", "1.7e308", "-256", "-1", "", "x", "9223372036854775808"]
    /// Labels some exporter reads as a number.
    static let numericLabels: Set = ["cpu", "gpu_memory", "memory", "pid", "index", "gpu", "GPU_I_ID", "core", "zone"]
    static let hostile: [Double] = [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e300, -1e300, 1e19, -1e19, 9.3e18, -256, -1, 0, 0.5, 1e-300]

    static let pages = Generator<[Series], Shrink.None<[Series]>>(run: { rng in
        guard let file = Fixtures.exporterPages.randomElement(using: &rng), let series = try? Fixtures.series(file, node: "edge-hostile", timestamp: 1_795_432_961) else {
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
            let numeric = optional.filter(numericLabels.contains)
            if Int.random(in: 0..<share, using: &rng) == 0, let changed = (numeric.isEmpty ? optional : numeric).randomElement(using: &rng) {
                series.labels[changed] = hostileText.randomElement(using: &rng)!
            }
            return series
        }
    })

    @Test func hostileValuesAreReadAndEncodeAsFiniteJSON() async throws {
        #expect(!Fixtures.exporterPages.isEmpty, "no exporter pages in \(Fixtures.directory.path)")
        await propertyCheck(count: 300, input: Self.pages, perform: failingOnThrow { series in
            #expect(!series.isEmpty, "no fixture read")
            let node = try #require(Normalizer.normalize(node: "edge-hostile", series: series), "a page no exporter claims")
            let json = try JSONCoding.encoder.encode(node)
            // Decoding with Foundation's parser would accept neither NaN nor Infinity; it is the console's parser too.
            #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: json) }
        })
    }
}
