import Foundation

/// How Grafana's Prometheus data source sends a dashboard's queries: Go's `url.Values.Encode` (names sorted, each name
/// and value through `url.QueryEscape`: a space is `+`, everything but letters, digits and `-_.~` is percent-encoded,
/// `match[]` included), and an HTML form's encoding (the same but `~` encoded and `*` kept).
enum GrafanaEncoding: CaseIterable, CustomStringConvertible {
    case goValues, htmlForm

    var description: String { self == .goValues ? "Go url.Values" : "HTML form" }

    func encode(_ pairs: [(String, String)]) -> String {
        let ordered = self == .goValues ? pairs.sorted { $0.0 < $1.0 } : pairs
        return ordered.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "~") where self == .goValues, UInt8(ascii: "*") where self == .htmlForm:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

/// NVIDIA's DCGM dashboard (Grafana 12239) as its JSON has it: each panel's expression with the template variables
/// `$instance` and `$gpu` set to All (`.*`), and the `gpu` variable's `label_values` query.
enum DCGMDashboard {
    static let panels = [
        "DCGM_FI_DEV_GPU_TEMP", "avg(DCGM_FI_DEV_GPU_TEMP)", "DCGM_FI_DEV_POWER_USAGE", "avg(DCGM_FI_DEV_POWER_USAGE)",
        "DCGM_FI_DEV_FB_USED / 1024 / 1024", "avg(DCGM_FI_DEV_FB_USED / 1024 / 1024)", "DCGM_FI_DEV_GPU_UTIL", "avg(DCGM_FI_DEV_GPU_UTIL)",
        "DCGM_FI_DEV_MEM_COPY_UTIL", "avg(DCGM_FI_DEV_MEM_COPY_UTIL)",
    ].map { $0.replacingOccurrences(of: #"(DCGM_FI_[A-Z_]+)"#, with: #"$1{instance=~".*", gpu=~".*"}"#, options: .regularExpression) }

    /// `label_values(DCGM_FI_DEV_GPU_TEMP{instance=~"$instance"}, gpu)`: the label values of `gpu` of that selector.
    static let gpuVariable = #"DCGM_FI_DEV_GPU_TEMP{instance=~".*"}"#
}
