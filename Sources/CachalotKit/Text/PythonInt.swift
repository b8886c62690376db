/// Python's `int(text)` on text, for numbers that Python code parses from
/// settings (redis-py's database index): surrounding whitespace, a sign,
/// and single underscores between digits are accepted. Only ASCII is read:
/// Python also takes other scripts' digits and spaces, which cachalot
/// refuses rather than guesses at.
enum PythonInt {
    enum Parsed: Equatable {
        case value(Int)
        /// `int()` would raise ValueError.
        case notANumber
        /// Characters outside ASCII: Python might read them as digits or spaces.
        case beyondASCII
    }

    static func parse(_ text: String) -> Parsed {
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return .beyondASCII }
        var body = bytes.drop { whitespace.contains($0) }
        while let last = body.last, whitespace.contains(last) { body = body.dropLast() }
        var negative = false
        if let sign = body.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        var digits = ""
        var previous: UInt8?
        for byte in body {
            if byte == UInt8(ascii: "_") {
                guard let before = previous, isDigit(before) else { return .notANumber }
            } else {
                guard isDigit(byte) else { return .notANumber }
                digits.append(Character(UnicodeScalar(byte)))
            }
            previous = byte
        }
        guard !digits.isEmpty, previous.map(isDigit) == true, let value = Int(digits) else { return .notANumber }
        return .value(negative ? -value : value)
    }
}
