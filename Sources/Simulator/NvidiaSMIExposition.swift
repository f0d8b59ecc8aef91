import Foundation

/// Renders a simulated server with one L40S as nvidia_gpu_exporter 1.x serves it (see the fixture): families
/// sorted by name, the single label `uuid` (lower case, no `GPU-` prefix), ratios 0-1, bytes, W, Go number format.
public enum NvidiaSMIExposition {
    public static func render(_ board: SimulatedBoard, at time: Double) -> String {
        var out = Writer()
        // A swapped board is another GPU: another UUID and serial.
        let uuid = String(format: "%08x", 0x5e9b_2a71 &+ UInt32(truncatingIfNeeded: board.ordinal * 7919 + board.revision.swaps * 104_729))
            + "-c04d-4f3e-9a18-6d2f7b3c8e45"
        let driver = board.revision.release(BoardRevision.drivers(board.kind)) ?? "595.80"
        let load = (board.wave(time, low: 0, high: 1, period: 150) * 100).rounded() / 100
        let used = (board.wave(time, low: 0.8e9, high: 3.5e10, period: 600) / 1_048_576).rounded() * 1_048_576
        let appMemory = [(20_037, used * 0.45), (20_038, used * 0.55)].map { ($0.0, ($0.1 / 1_048_576).rounded() * 1_048_576) }
        let perGPU: [(String, String, Double)] = [
            ("nvidia_smi_clocks_current_graphics_clock_hz", "clocks.current.graphics [MHz]", 2.52e9),
            ("nvidia_smi_index", "index", 0),
            ("nvidia_smi_memory_total_bytes", "memory.total [MiB]", 48_305_799_168),
            ("nvidia_smi_memory_used_bytes", "memory.used [MiB]", used),
            ("nvidia_smi_power_draw_watts", "power.draw [W]", (board.wave(time, low: 35, high: 330, period: 150) * 100).rounded() / 100),
            ("nvidia_smi_temperature_gpu", "temperature.gpu", board.wave(time, low: 30, high: 78, period: 300).rounded()),
            ("nvidia_smi_utilization_gpu_ratio", "utilization.gpu [%]", load),
            ("nvidia_smi_utilization_memory_ratio", "utilization.memory [%]", (load * 0.3 * 100).rounded() / 100),
        ] + (board.faults ? [
            // While the fault is on, the GPU slows down for heat.
            ("nvidia_smi_clocks_event_reasons_hw_thermal_slowdown", "clocks_event_reasons.hw_thermal_slowdown",
             Fault.isOn(board, at: time) ? 1 : 0),
        ] : [])
        var families: [(name: String, write: (inout Writer) -> Void)] = perGPU.map { name, help, value in
            (name, { writer in
                writer.family(name, help)
                writer.sample(name, [("uuid", uuid)], Writer.goFloat(value))
            })
        }
        families.append(("nvidia_smi_gpu_info", { writer in
            writer.family("nvidia_smi_gpu_info", "A metric with a constant '1' value labeled by gpu uuid, name, driver_model_current, driver_model_pending, vbios_version, driver_version.")
            writer.sample("nvidia_smi_gpu_info", [
                ("compute_cap", "8.9"), ("cuda_version", "13.2"), ("driver_model_current", "[N/A]"), ("driver_model_pending", "[N/A]"),
                ("driver_version", driver), ("index", "0"), ("name", "NVIDIA L40S"), ("pci_bus_id", "00000000:01:00.0"),
                ("pci_sub_device_id", "0x185110DE"), ("serial", String(1_654_123_018_297 + board.ordinal + board.revision.swaps * 104_729)), ("uuid", uuid),
                ("vbios_version", "95.02.66.00.02"),
            ], "1")
        }))
        families.append(("nvidia_smi_compute_app_info", { writer in
            writer.family("nvidia_smi_compute_app_info", "A metric with a constant '1' value labeled by the identity of a process with a compute context on a GPU.")
            for (pid, _) in appMemory { writer.sample("nvidia_smi_compute_app_info", [("pid", String(pid)), ("process_name", "ffmpeg"), ("uuid", uuid)], "1") }
        }))
        families.append(("nvidia_smi_compute_app_used_memory_bytes", { writer in
            writer.family("nvidia_smi_compute_app_used_memory_bytes", "GPU memory used by the process.")
            for (pid, bytes) in appMemory {
                writer.sample("nvidia_smi_compute_app_used_memory_bytes", [("pid", String(pid)), ("process_name", "ffmpeg"), ("uuid", uuid)], Writer.goFloat(bytes))
            }
        }))
        for family in families.sorted(by: { $0.name < $1.name }) { family.write(&out) }
        return out.text
    }
}
