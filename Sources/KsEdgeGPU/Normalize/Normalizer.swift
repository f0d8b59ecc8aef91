/// Picks the format from the metric names and normalises one node's series.
public enum Normalizer {
    /// Nil when none of the series is from a known GPU exporter.
    public static func normalize(node: String, series: [Series]) -> NodeGPU? {
        switch ExporterDetection.detect(series.lazy.map(\.name)) {
        case .jetson: JetsonSeedFormat.normalize(node: node, series: series.filter { $0.name.hasPrefix("gpu_") })
        case .dcgm, .nvidiaSMI, nil: nil
        }
    }
}
