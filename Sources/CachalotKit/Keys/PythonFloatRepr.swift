/// `repr(float)` exactly as CPython prints it, so that `cachalot
/// last-invalidation` is byte-identical to `print(get_last_invalidation())`.
///
/// Swift and Python both print the shortest digits that round-trip; they
/// differ in where they switch to exponent notation and how they write it.
/// CPython (`float_repr_style == 'short'`, format code 'r') uses exponent
/// notation when the decimal point position is below -3 or above 16.
public enum PythonFloatRepr {
    public static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, pointPosition) = shortestDigits(abs(value))
        // ASCII bytes throughout: Character operations would load Unicode
        // tables, most of this function's cost on a one-shot run.
        let zero = UInt8(ascii: "0"), point = UInt8(ascii: ".")
        var text: [UInt8] = value < 0 ? [UInt8(ascii: "-")] : []
        if pointPosition < -3 || pointPosition > 16 {
            let exponent = pointPosition - 1
            text.append(digits[0])
            if digits.count > 1 { text += [point] + digits.dropFirst() }
            text += Array("e\(exponent < 0 ? "-" : "+")\(abs(exponent) < 10 ? "0" : "")\(abs(exponent))".utf8)
        } else if pointPosition <= 0 {
            text += [zero, point] + [UInt8](repeating: zero, count: -pointPosition) + digits
        } else if pointPosition >= digits.count {
            text += digits + [UInt8](repeating: zero, count: pointPosition - digits.count) + [point, zero]
        } else {
            text += digits[..<pointPosition] + [point] + digits[pointPosition...]
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The shortest round-trip digits (ASCII, no leading or trailing zeros)
    /// and the decimal point position: value = 0.<digits> × 10^pointPosition.
    static func shortestDigits(_ value: Double) -> ([UInt8], Int) {
        // Swift prints the shortest round-trip digits: "1.5", "1e-05", "1.2345e+16".
        let text = Array(value.description.utf8)
        var mantissa = text[...], exponent = 0
        if let e = text.firstIndex(of: UInt8(ascii: "e")) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        }
        let integerDigits = (mantissa.firstIndex(of: UInt8(ascii: ".")) ?? mantissa.endIndex) - mantissa.startIndex
        var digits = mantissa.filter { $0 != UInt8(ascii: ".") }
        var pointPosition = integerDigits + exponent
        let leadingZeros = digits.prefix { $0 == UInt8(ascii: "0") }.count
        digits.removeFirst(leadingZeros)
        pointPosition -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits.isEmpty ? [UInt8(ascii: "0")] : digits, pointPosition)
    }
}
