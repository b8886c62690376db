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
        // Bytes, not Characters or a Set: this runs on every Redis run, and
        // either would cost more to set up than the parse itself.
        func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0d).contains(byte) }
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return .beyondASCII }
        var body = bytes.drop(while: isWhitespace)
        while let last = body.last, isWhitespace(last) { body = body.dropLast() }
        var negative = false
        if let sign = body.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        var digits: [UInt8] = []
        var previous: UInt8?
        for byte in body {
            if byte == UInt8(ascii: "_") {
                guard let before = previous, isDigit(before) else { return .notANumber }
            } else {
                guard isDigit(byte) else { return .notANumber }
                digits.append(byte)
            }
            previous = byte
        }
        guard !digits.isEmpty, previous.map(isDigit) == true, let value = Int(String(decoding: digits, as: UTF8.self)) else { return .notANumber }
        return .value(negative ? -value : value)
    }
}
