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
        let sign = value < 0 ? "-" : ""
        if pointPosition < -3 || pointPosition > 16 {
            let exponent = pointPosition - 1
            let mantissa = digits.count == 1 ? digits : digits.prefix(1) + "." + digits.dropFirst()
            let exponentText = String(abs(exponent))
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+")
                + (exponentText.count < 2 ? "0" + exponentText : exponentText)
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
        }
        if pointPosition >= digits.count {
            return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
        }
        let split = digits.index(digits.startIndex, offsetBy: pointPosition)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// The shortest round-trip digits (no leading or trailing zeros) and the
    /// decimal point position: value = 0.<digits> × 10^pointPosition.
    static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = "\(value)"  // Swift prints the shortest round-trip digits
        let parts = text.split(separator: "e")
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0]
        let integerPart = mantissa.split(separator: ".", omittingEmptySubsequences: false)[0]
        var digits = String(mantissa.filter { $0 != "." })
        var pointPosition = integerPart.count + exponent
        while digits.hasPrefix("0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        return (digits.isEmpty ? "0" : digits, pointPosition)
    }
}
