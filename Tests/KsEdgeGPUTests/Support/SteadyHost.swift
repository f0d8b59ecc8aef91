import Foundation

/// A node-exporter page whose counters grow at known, fixed rates, so every rate read from them has one true value:
/// each core busy a fixed share of its time, bytes received and sent at fixed rates (and loopback, which is no
/// physical link, at a much higher one). The counters count from `boot`; moving it forward is a reboot (a reset).
struct SteadyHost: Sendable {
    /// Busy share of each core (0-1), `cpu="0"` first.
    var busy: [Double] = [0.25, 0.5, 0.75, 0.1]
    var receivedPerSecond = 2_000_000.0
    var transmittedPerSecond = 500_000.0
    /// When the counters were last zero (Unix seconds).
    var boot: Double

    /// The percentages of the API: each core's busy share, numbered from 1.
    var corePercents: [Int: Double] { Dictionary(uniqueKeysWithValues: busy.enumerated().map { ($0.offset + 1, $0.element * 100) }) }

    /// The page at `time`. `timestamped` writes each sample's time, so a scrape's sample is dated when its value was
    /// taken, however late the scrape arrives (a Pushgateway refuses timestamps).
    func page(at time: Double, timestamped: Bool = false) -> String {
        let elapsed = max(0, time - boot)
        let stamp = timestamped ? " \(Int64((time * 1000).rounded()))" : ""
        var lines = ["# TYPE node_cpu_seconds_total counter"]
        for (cpu, share) in busy.enumerated() {
            lines.append(#"node_cpu_seconds_total{cpu="\#(cpu)",mode="idle"} \#(Self.number((1 - share) * elapsed))\#(stamp)"#)
            lines.append(#"node_cpu_seconds_total{cpu="\#(cpu)",mode="user"} \#(Self.number(share * elapsed))\#(stamp)"#)
        }
        for (family, rate) in [("node_network_receive_bytes_total", receivedPerSecond), ("node_network_transmit_bytes_total", transmittedPerSecond)] {
            lines.append("# TYPE \(family) counter")
            lines.append(#"\#(family){device="eth0"} \#(Self.number(rate * elapsed))\#(stamp)"#)
            lines.append(#"\#(family){device="lo"} \#(Self.number(50 * rate * elapsed))\#(stamp)"#)
        }
        lines.append("# TYPE node_memory_MemTotal_bytes gauge")
        lines.append("node_memory_MemTotal_bytes 8117817344\(stamp)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func number(_ value: Double) -> String { String(format: "%.6f", value) }
}
