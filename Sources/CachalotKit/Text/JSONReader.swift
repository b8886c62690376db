/// A JSON document as Python's `json.loads` sees it: integers without a
/// fraction or exponent stay integers (as digits, any size), objects keep
/// their keys in order, a repeated key keeps its first place and last value.
indirect enum JSONTree: Equatable {
    case null
    case bool(Bool)
    case integer(String)
    case double(Double)
    case string(String)
    case array([JSONTree])
    case object([(key: String, value: JSONTree)])

    static func == (lhs: JSONTree, rhs: JSONTree) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a.elementsEqual(b) { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}

/// Reads JSON the way Python's `json.loads` does: `NaN` and `Infinity` are
/// accepted, a repeated key keeps its last value. Used for the settings
/// file (what the README's export command wrote) and for PostgreSQL json
/// values. Nesting is bounded, and every error names the line and column.
struct JSONReader {
    struct Failure: Error {
        var line: Int
        var column: Int
        var reason: String
    }

    private let bytes: [UInt8]
    private let maximumDepth: Int
    private let bigIntegers: Bool
    private var position = 0

    /// Python refuses to read integers longer than this (sys.int_info.default_max_str_digits).
    static let pythonIntegerDigits = 4300

    /// The document in `text`; deeper than `maximumDepth` is refused, and so
    /// is an integer beyond 64 bits unless `bigIntegers`.
    static func read(_ text: String, maximumDepth: Int, bigIntegers: Bool = false) throws -> JSONTree {
        var reader = JSONReader(bytes: Array(text.utf8), maximumDepth: maximumDepth, bigIntegers: bigIntegers)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.position == reader.bytes.count else { throw reader.fail("unexpected text after the document") }
        return value
    }

    private init(bytes: [UInt8], maximumDepth: Int, bigIntegers: Bool) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.bigIntegers = bigIntegers
    }

    private func fail(_ reason: String) -> Failure {
        var line = 1, column = 1
        for byte in bytes[..<min(position, bytes.count)] {
            if byte == 0x0a { line += 1; column = 1 } else if byte & 0xc0 != 0x80 { column += 1 }
        }
        return Failure(line: line, column: column, reason: reason)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d { position += 1 }
    }

    private mutating func expect(_ literal: String) -> Bool {
        let expected = Array(literal.utf8)
        guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected else {
            return false
        }
        position += expected.count
        return true
    }

    private mutating func value(depth: Int) throws -> JSONTree {
        guard depth < maximumDepth else { throw fail("nested deeper than \(maximumDepth) levels") }
        switch current {
        case UInt8(ascii: "{")?: return try object(depth: depth)
        case UInt8(ascii: "[")?: return try array(depth: depth)
        case UInt8(ascii: "\"")?: return .string(try string())
        case UInt8(ascii: "t")? where expect("true"): return .bool(true)
        case UInt8(ascii: "f")? where expect("false"): return .bool(false)
        case UInt8(ascii: "n")? where expect("null"): return .null
        case UInt8(ascii: "N")? where expect("NaN"): return .double(.nan)
        case UInt8(ascii: "I")? where expect("Infinity"): return .double(.infinity)
        case UInt8(ascii: "-")? where expect("-Infinity"): return .double(-.infinity)
        case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
            return try number()
        case nil: throw fail("unexpected end of the document")
        default: throw fail("expected a value")
        }
    }

    private mutating func object(depth: Int) throws -> JSONTree {
        position += 1
        var entries: [(key: String, value: JSONTree)] = []
        var places: [String: Int] = [:]
        skipSpace()
        if current == UInt8(ascii: "}") { position += 1; return .object(entries) }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw fail("expected a key in double quotes") }
            let key = try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw fail("expected ':' after the key") }
            position += 1
            skipSpace()
            let item = try value(depth: depth + 1)
            if let place = places[key] {
                entries[place].value = item
            } else {
                places[key] = entries.count
                entries.append((key, item))
            }
            skipSpace()
            switch current {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "}")?: position += 1; return .object(entries)
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func array(depth: Int) throws -> JSONTree {
        position += 1
        var items: [JSONTree] = []
        skipSpace()
        if current == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            switch current {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "]")?: position += 1; return .array(items)
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    private mutating func number() throws -> JSONTree {
        let start = position
        var isInteger = true
        while let byte = current {
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                isInteger = false
            } else if !(byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)) {
                break
            }
            position += 1
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard Self.isNumber(bytes[start..<position]) else {
            position = start
            throw fail("malformed number \(text.prefix(30))")
        }
        if isInteger {
            let digits = text.utf8.count - (text.hasPrefix("-") ? 1 : 0)
            guard bigIntegers ? digits <= Self.pythonIntegerDigits : Int(text) != nil else {
                position = start
                throw fail("integer \(text.prefix(30)) is out of range")
            }
            return .integer(text)
        }
        guard let value = Double(text) else { position = start; throw fail("malformed number \(text.prefix(30))") }
        return .double(value)
    }

    /// JSON's number, as Python's json reads it: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?
    /// (Swift's Double and Int would also take 01, 1., .5, 2.e3).
    private static func isNumber(_ text: ArraySlice<UInt8>) -> Bool {
        var rest = text[...]
        func digits() -> Int {
            let count = rest.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            rest = rest.dropFirst(count)
            return count
        }
        if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
        if rest.first == UInt8(ascii: "0") { rest = rest.dropFirst() } else if digits() == 0 { return false }
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            guard digits() > 0 else { return false }
        }
        if rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return rest.isEmpty
    }

    private mutating func string() throws -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var run = position
        func flush() { scalars.append(contentsOf: String(decoding: bytes[run..<position], as: UTF8.self).unicodeScalars) }
        while true {
            guard let byte = current else { throw fail("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                position += 1
                scalars.append(try escape())
                run = position
            case 0..<0x20:
                throw fail("control character in a string (write it as \\u00\(TextFormatting.hex(byte, width: 2)))")
            default:
                position += 1
            }
        }
    }

    private mutating func escape() throws -> Unicode.Scalar {
        guard let byte = current else { throw fail("unterminated string") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0c}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hex4()
            if (0xd800..<0xdc00).contains(high), expect("\\u") {
                let low = try hex4()
                if (0xdc00..<0xe000).contains(low), let scalar = Unicode.Scalar(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)) {
                    return scalar
                }
                // Not a low surrogate: an escape of its own, read next (as Python does).
                position -= 6
            }
            // A lone surrogate has no Unicode scalar: U+FFFD, as a UTF-8 decoder would.
            return Unicode.Scalar(high) ?? "\u{fffd}"
        default:
            position -= 1
            throw fail("unknown escape \\\(Unicode.Scalar(byte))")
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - position >= 4,
              let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
              bytes[position..<position + 4].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }) else {
            throw fail("expected four hex digits after \\u")
        }
        position += 4
        return value
    }
}
