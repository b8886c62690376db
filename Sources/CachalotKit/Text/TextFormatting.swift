/// The few formatting helpers cachalot needs without Foundation's
/// `String(format:)`: fixed decimals, zero-padded hex, column padding.
public enum TextFormatting {
    /// `value` with exactly `digits` decimals, as C's "%.*f" prints it
    /// ("12.345", "-0.500"). Values too large for that print as Swift does.
    public static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        guard scaled < 9e18 else { return "\(value)" }
        let units = UInt64(scaled)
        let sign = value < 0 && units != 0 ? "-" : ""
        let whole = String(units / scale)
        guard digits > 0 else { return sign + whole }
        return sign + whole + "." + zeroPadded(String(units % scale), to: digits)
    }

    /// Lower-case hex digits of `value`, at least `width` of them.
    public static func hex<T: BinaryInteger>(_ value: T, width: Int) -> String {
        zeroPadded(String(value, radix: 16), to: width)
    }

    /// Lower-case hex of bytes, two digits each, as Python's `bytes.hex()`.
    public static func hex<S: Sequence>(bytes: S) -> String where S.Element == UInt8 {
        let bytes = Array(bytes)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            for (index, byte) in bytes.enumerated() {
                text[2 * index] = hexDigit(byte >> 4)
                text[2 * index + 1] = hexDigit(byte & 0x0f)
            }
            return bytes.count * 2
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// `text` followed by spaces up to `width` characters (never cut).
    /// "1 table", "2 tables", "0 entries": a count with the noun it counts.
    public static func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
    }

    public static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    private static func zeroPadded(_ digits: String, to width: Int) -> String {
        String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
