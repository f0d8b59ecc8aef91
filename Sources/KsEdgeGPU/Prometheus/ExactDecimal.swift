/// Plain decimals (`42.5`, `-0.125`, `1795000000.123`) read to the same `Double` as `Double(String)` without making a
/// `String`: a range answer is hundreds of thousands of such numbers. Up to 15 digits, without an exponent, the digits
/// are an integer below 2^53 and the point a power of ten up to 10^22, both exact in a `Double`, so one division is
/// the correctly rounded value (Clinger's fast path), as `strtod` gives it. Anything else is nil: the caller reads it
/// the general way.
enum ExactDecimal {
    static let maxDigits = 15
    private static let powersOfTen: [Double] = (0...22).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }

    static func value(of text: UnsafeRawBufferPointer.SubSequence) -> Double? {
        var index = text.startIndex
        let end = text.endIndex
        guard index < end else { return nil }
        let negative = text[index] == UInt8(ascii: "-")
        if negative || text[index] == UInt8(ascii: "+") { index += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, decimals = 0
        var point = false
        while index < end {
            let byte = text[index]
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                digits += 1
                if point { decimals += 1 }
                guard digits <= maxDigits else { return nil }
            } else if byte == UInt8(ascii: "."), !point {
                point = true
            } else {
                return nil
            }
            index += 1
        }
        // At least one digit, and none missing around a point as JSON and Go write numbers ("5.", ".5" are read the
        // general way).
        guard digits > 0, !point || (decimals > 0 && digits > decimals) else { return nil }
        let value = Double(mantissa) / powersOfTen[decimals]
        return negative ? -value : value
    }
}
