/// Integers that Redis and memcached clients store as decimal text instead
/// of pickling them, read the way Python's `int(bytes)` reads them.
enum PlainInteger {
    /// The integer in `bytes` (ASCII whitespace around it allowed), or nil.
    static func parse<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        let trimmed = trimmedOfSpaces(bytes)
        return trimmed.isEmpty ? nil : Int(String(decoding: trimmed, as: UTF8.self))
    }

    /// Without the ASCII whitespace Python's int() and float() skip around a number.
    static func trimmedOfSpaces<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || (0x09...0x0d).contains($0) }
        return Array(bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}

/// A number stored as text, read as django-valkey reads it (util.decode):
/// `int(v)` when every byte is a digit (`isdigit()`), else `float(v)` when
/// that parses, so "-7" reads as -7.0 as there; nil for anything else (and
/// for digits beyond a 64-bit int, which Python would read as a big int).
enum PlainNumber {
    static func parse(_ bytes: [UInt8]) -> PickleValue? {
        guard !bytes.isEmpty else { return nil }
        if bytes.allSatisfy(isDigit) { return Int(String(decoding: bytes, as: UTF8.self)).map(PickleValue.int) }
        let text = PlainInteger.trimmedOfSpaces(bytes)
        guard isPythonFloat(text), let number = Double(String(decoding: text.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)) else {
            return nil
        }
        return .float(number)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    /// Python's float() grammar: an optional sign, then inf, infinity or
    /// nan (any case), or decimal digits (single underscores between
    /// digits, PEP 515) with an optional point and exponent. Swift's
    /// Double(_:) also takes hexadecimal, "nan(…)" and "snan": refused here.
    static func isPythonFloat(_ text: [UInt8]) -> Bool {
        var rest = text[...]
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { rest = rest.dropFirst() }
        let word = String(decoding: rest, as: UTF8.self).lowercased()
        if ["inf", "infinity", "nan"].contains(word) { return true }
        /// Digits with single underscores between them; how many digits.
        func digits() -> Int? {
            var count = 0, lastWasUnderscore = false
            while let byte = rest.first {
                if isDigit(byte) {
                    count += 1
                    lastWasUnderscore = false
                } else if byte == UInt8(ascii: "_"), count > 0, !lastWasUnderscore {
                    lastWasUnderscore = true
                } else {
                    break
                }
                rest = rest.dropFirst()
            }
            return lastWasUnderscore ? nil : count
        }
        guard let whole = digits() else { return false }
        var fraction = 0
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "_") { return false }
            guard let count = digits() else { return false }
            fraction = count
        }
        guard whole + fraction > 0 else { return false }
        if let mark = rest.first, mark == UInt8(ascii: "e") || mark == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { rest = rest.dropFirst() }
            guard let count = digits(), count > 0 else { return false }
        }
        return rest.isEmpty
    }
}
