import Foundation
import HTTPTypes
import Hummingbird

/// A table as RFC 4180 CSV: a header row, CRLF line ends, and a field in double quotes (its quotes doubled) when it
/// holds a comma, a quote or a line break. A field a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) is written with a leading `'`, as OWASP advises: exporter labels are not ours.
struct CSVTable {
    let header: [String]
    var rows: [[String?]] = []

    static func field(_ value: String?) -> String {
        guard var text = value else { return "" }
        if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    var text: String {
        ([header.map(Optional.some)] + rows).map { row in row.map(Self.field).joined(separator: ",") + "\r\n" }.joined()
    }

    /// `text/csv`, named for a download, with how many rows the whole selection has.
    func response(filename: String, totalItems: Int) -> Response {
        Response(status: .ok, headers: [
            .contentType: "text/csv; charset=utf-8; header=present",
            .contentDisposition: "attachment; filename=\"\(filename)\"",
            HTTPField.Name("X-Total-Items")!: String(totalItems),
        ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
