/// Picks the format from the metric names and normalises one node's series.
public enum Normalizer {
    /// Nil when none of the series is from a known GPU exporter.
    public static func normalize(node: String, series: [Series]) -> NodeGPU? {
        guard let exporter = ExporterDetection.detect(series.lazy.map(\.name)) else { return nil }
        let own = series.filter { ExporterDetection.exporter(of: $0.name) == exporter }
        switch exporter {
        case .jetson: return JetsonSeedFormat.normalize(node: node, series: own)
        case .dcgm: return DCGMFormat.normalize(node: node, series: own)
        case .nvidiaSMI: return NvidiaSMIFormat.normalize(node: node, series: own)
        }
    }
}
