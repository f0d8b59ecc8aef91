import Foundation

/// Renders a simulated server with two A100s as dcgm-exporter 3.3 serves it (see the fixture): label order
/// gpu, UUID, pci_bus_id, device, modelName, Hostname, driver version, then the workload's container, namespace,
/// pod on the GPU a pod uses; doubles as Go `%f`, integers bare; families in DCGM field-id order.
public enum DCGMExposition {
    struct Field: Sendable {
        var name: String
        var help: String
        var type = "gauge"
        /// The value of GPU `gpu` (0 or 1, GPU 0 busy) at `time`, already formatted.
        var value: @Sendable (SimulatedBoard, Int, Double) -> String
    }

    static func busy(_ gpu: Int) -> Double { gpu == 0 ? 1 : 0.05 }

    static let thermalViolation = "DCGM_FI_DEV_THERMAL_VIOLATION"

    static let fields: [Field] = [
        Field(name: "DCGM_FI_DEV_SM_CLOCK", help: "SM clock frequency (in MHz).") { _, gpu, _ in gpu == 0 ? "1410" : "210" },
        Field(name: "DCGM_FI_DEV_MEM_CLOCK", help: "Memory clock frequency (in MHz).") { _, _, _ in "1512" },
        Field(name: "DCGM_FI_DEV_MEMORY_TEMP", help: "Memory temperature (in C).") { board, gpu, time in
            String(Int(board.wave(time, low: 36, high: 36 + 20 * busy(gpu), period: 300, shift: Double(gpu))))
        },
        Field(name: "DCGM_FI_DEV_GPU_TEMP", help: "GPU temperature (in C).") { board, gpu, time in
            String(Int(board.wave(time, low: 33, high: 33 + 35 * busy(gpu), period: 300, shift: Double(gpu))))
        },
        Field(name: "DCGM_FI_DEV_POWER_USAGE", help: "Power draw (in W).") { board, gpu, time in
            Writer.fixed6(board.wave(time, low: 42, high: 42 + 250 * busy(gpu), period: 180, shift: Double(gpu)))
        },
        Field(name: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", help: "Total energy consumption since boot (in mJ).", type: "counter") { _, gpu, time in
            String(Int64(time * (gpu == 0 ? 150_000 : 43_000)) % 100_000_000_000)
        },
        Field(name: "DCGM_FI_DEV_GPU_UTIL", help: "GPU utilization (in %).") { board, gpu, time in
            String(Int(board.wave(time, low: 0, high: 99 * busy(gpu), period: 120, shift: Double(gpu))))
        },
        Field(name: "DCGM_FI_DEV_MEM_COPY_UTIL", help: "Memory utilization (in %).") { board, gpu, time in
            String(Int(board.wave(time, low: 0, high: 70 * busy(gpu), period: 120, shift: Double(gpu))))
        },
        Field(name: "DCGM_FI_DEV_FB_FREE", help: "Framebuffer memory free (in MiB).") { board, gpu, time in
            String(81_251 - usedMiB(board, gpu, time))
        },
        Field(name: "DCGM_FI_DEV_FB_USED", help: "Framebuffer memory used (in MiB).") { board, gpu, time in
            String(usedMiB(board, gpu, time))
        },
    ]

    static func usedMiB(_ board: SimulatedBoard, _ gpu: Int, _ time: Double) -> Int {
        gpu == 0 ? Int(board.wave(time, low: 60_000, high: 78_000, period: 900)) : 4
    }

    public static func render(_ board: SimulatedBoard, at time: Double) -> String {
        var out = Writer()
        let serial = String(format: "%08x", 0x3f8a_2c1e &+ UInt32(truncatingIfNeeded: board.ordinal * 7919))
        let driver = board.revision.release(BoardRevision.drivers(board.kind)) ?? "535.183.01"
        func labels(_ gpu: Int) -> [(String, String)] {
            var labels = [
                ("gpu", String(gpu)), ("UUID", "GPU-\(serial)-7b4d-5e9f-\(String(format: "%04x", 0xa061 + (gpu == 1 ? board.revision.swaps : 0)))-\(gpu)c8d4e6f9b10"),
                ("pci_bus_id", gpu == 0 ? "00000000:17:00.0" : "00000000:CA:00.0"), ("device", "nvidia\(gpu)"),
                ("modelName", "NVIDIA A100 80GB PCIe"), ("Hostname", board.node), ("DCGM_FI_DRIVER_VERSION", driver),
            ]
            if gpu == 0 {
                labels += [("container", "vllm"), ("namespace", "ai-serving"), ("pod", "llm-infer-7d9f8c6b5-\(podSuffix(board.node))")]
            }
            return labels
        }
        for field in fields {
            out.family(field.name, field.help, type: field.type)
            for gpu in 0..<2 { out.sample(field.name, labels(gpu), field.value(board, gpu, time)) }
        }
        if board.faults {
            // The health fields (off in dcgm-exporter's default counters file), while the fault is on: GPU 0 slows
            // down for heat (0x20) all the time, GPU 1 a quarter of the time between scrapes (only the thermal
            // violation counter, in µs, tells), and reports XID 79.
            let on = Fault.isOn(board, at: time)
            out.family("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", "Current clock event reasons (bitmask of DCGM_CLOCKS_EVENT_REASON_*)")
            for gpu in 0..<2 { out.sample("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", labels(gpu), on && gpu == 0 ? "32" : "0") }
            out.family("DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.")
            for gpu in 0..<2 {
                let xid = on && gpu == 1
                out.sample("DCGM_FI_DEV_XID_ERRORS", labels(gpu) + [("err_code", xid ? "79" : "0"), ("err_msg", xid ? "GPU has fallen off the bus" : "No Error")],
                           xid ? "79" : "0")
            }
            out.family(DCGMExposition.thermalViolation, "Throttling duration due to thermal constraints (in us).", type: "counter")
            for gpu in 0..<2 {
                out.sample(DCGMExposition.thermalViolation, labels(gpu), String(Int64(Fault.secondsOn(board, upTo: time) * (gpu == 0 ? 1_000_000 : 250_000))))
            }
        }
        return out.text
    }
}
