/// Reads a TOML 1.0 settings document into a `SettingsValue` tree: tables,
/// arrays of tables, dotted and quoted keys, the four string forms, integers
/// (decimal, hex, octal, binary), floats (with inf and nan), booleans,
/// arrays and inline tables. Dates and times are refused: no Django setting
/// is one. Every error names its line and column; nesting is bounded.
///
/// cachalot first used TOMLKit, whose toml++ 3.4.0 aborts the process on
/// some malformed files (`[` at the end of a line, `LOCATION = [ }`: its
/// internal assertions, found by FuzzSettings in seconds). A typo in a
/// settings file must be a message, not a core dump.
struct TOMLReader {
    struct Failure: Error {
        var line: Int
        var column: Int
        var reason: String
    }

    private let bytes: [UInt8]
    private var position = 0
    private var root = Node.table([:], defined: true)
    /// The table that `key = value` lines go into, as a path from the root.
    private var current: [PathStep] = []

    static func read(_ text: String) throws -> SettingsValue {
        // A byte order mark (some Windows editors write one) is no part of the document.
        var reader = TOMLReader(bytes: Array(text.utf8.dropFirst(text.hasPrefix("\u{feff}") ? 3 : 0)))
        try reader.document()
        return reader.root.value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: the tree being built

    /// A table remembers whether a header or key defined it (TOML forbids
    /// defining one twice), whether it is an inline table (closed) and
    /// whether dotted keys made it (only they may add to it: not a header,
    /// and dotted keys may not add to a table a header made).
    private indirect enum Node {
        case table([String: Node], defined: Bool, inline: Bool = false, dotted: Bool = false)
        case tableArray([Node])
        case value(SettingsValue)

        var value: SettingsValue {
            switch self {
            case .table(let entries, _, _, _): return .table(entries.mapValues(\.value))
            case .tableArray(let tables): return .array(tables.map(\.value))
            case .value(let value): return value
            }
        }
    }

    /// One step of a path: a key, and for an array of tables its last element.
    private struct PathStep {
        var key: String
        var inArray: Bool
    }

    // MARK: document

    private mutating func document() throws {
        while true {
            try skipBlank()
            guard let byte = peek else { return }
            if byte == UInt8(ascii: "[") {
                try tableHeader()
            } else {
                let (keys, keyStart) = try dottedKey()
                try expect(UInt8(ascii: "="), "'=' after the key")
                skipSpace()
                let value = try self.value(depth: 1)
                try insert(value, at: current, keys: keys, keyAt: keyStart)
            }
            try endOfLine()
        }
    }

    private mutating func tableHeader() throws {
        let start = position
        position += 1
        let isArray = peek == UInt8(ascii: "[")
        if isArray { position += 1 }
        skipSpace()
        let (keys, _) = try dottedKey()
        try expect(UInt8(ascii: "]"), "']' to close the table header")
        if isArray {
            guard peek == UInt8(ascii: "]") else { throw fail("expected ']]' to close the array of tables header") }
            position += 1
        }
        guard keys.count < Self.maximumDepth else { throw fail("tables nested deeper than \(Self.maximumDepth) levels") }
        current = try open(keys, asArray: isArray, at: start)
    }

    /// Makes the tables of a header exist and returns the path to write into.
    private mutating func open(_ keys: [String], asArray: Bool, at start: Int) throws -> [PathStep] {
        var path: [PathStep] = []
        for (index, key) in keys.enumerated() {
            let last = index == keys.count - 1
            let parent = path
            var failure: String?
            var step = PathStep(key: key, inArray: false)
            try modify(parent) { node in
                guard case .table(var entries, let defined, let inline, let dotted) = node, !inline else {
                    failure = "\(quoted(key)) is inside a value, not a table"
                    return
                }
                switch entries[key] {
                case nil:
                    entries[key] = last && asArray ? .tableArray([.table([:], defined: true)]) : .table([:], defined: last)
                    step.inArray = last && asArray
                case .table(let inner, let wasDefined, let isInline, _)?:
                    if isInline || (last && (wasDefined || asArray)) {
                        failure = "table \(quoted(keys.joined(separator: "."))) is defined twice"
                    } else if last {
                        entries[key] = .table(inner, defined: true)
                    }
                case .tableArray(var tables)?:
                    if last {
                        guard asArray else { failure = "\(quoted(key)) is an array of tables, not a table"; break }
                        tables.append(.table([:], defined: true))
                        entries[key] = .tableArray(tables)
                    }
                    step.inArray = true
                case .value?:
                    failure = "\(quoted(key)) already holds a value"
                }
                node = .table(entries, defined: defined, inline: inline, dotted: dotted)
            }
            if let failure { throw fail(failure, at: start) }
            path.append(step)
        }
        return path
    }

    /// Puts `value` under the dotted `keys` below the table at `path`.
    private mutating func insert(_ value: Node, at path: [PathStep], keys: [String], keyAt keyStart: Int) throws {
        guard path.count + keys.count < Self.maximumDepth else { throw fail("tables nested deeper than \(Self.maximumDepth) levels") }
        var failure: String?
        try modify(path) { node in
            failure = Self.insert(value, into: &node, keys: keys[...])
        }
        if let failure { throw fail(failure, at: keyStart) }
    }

    private static func insert(_ value: Node, into node: inout Node, keys: ArraySlice<String>) -> String? {
        guard case .table(var entries, let defined, let inline, let dotted) = node, let key = keys.first else {
            return "a key is set inside a value"
        }
        if keys.count == 1 {
            guard entries[key] == nil else { return "key \(quoted(key)) is set twice" }
            entries[key] = value
        } else {
            var child = entries[key] ?? .table([:], defined: true, dotted: true)
            guard case .table(_, let childDefined, let childInline, let childDotted) = child, !childInline else {
                return "\(quoted(key)) already holds a value, not a table"
            }
            guard !childDefined || childDotted else { return "table \(quoted(key)) has its own [header]; dotted keys cannot add to it" }
            if let failure = insert(value, into: &child, keys: keys.dropFirst()) { return failure }
            // A table dotted keys went through is theirs from now on.
            if case .table(let inner, _, _, _) = child { entries[key] = .table(inner, defined: true, dotted: true) }
        }
        node = .table(entries, defined: defined, inline: inline, dotted: dotted)
        return nil
    }

    /// Runs `change` on the node at `path` (the last element of an array of tables).
    private mutating func modify(_ path: [PathStep], _ change: (inout Node) throws -> Void) throws {
        func walk(_ node: inout Node, _ steps: ArraySlice<PathStep>) throws {
            guard let step = steps.first else { return try change(&node) }
            guard case .table(var entries, let defined, let inline, let dotted) = node, var child = entries[step.key] else { return }
            if step.inArray, case .tableArray(var tables) = child, !tables.isEmpty {
                try walk(&tables[tables.count - 1], steps.dropFirst())
                child = .tableArray(tables)
            } else {
                try walk(&child, steps.dropFirst())
            }
            entries[step.key] = child
            node = .table(entries, defined: defined, inline: inline, dotted: dotted)
        }
        try walk(&root, path[...])
    }

    // MARK: keys

    /// The keys, and where the first starts (for an error about them).
    private mutating func dottedKey() throws -> ([String], Int) {
        let start = position
        var keys = [try simpleKey()]
        skipSpace()
        while peek == UInt8(ascii: ".") {
            position += 1
            skipSpace()
            keys.append(try simpleKey())
            skipSpace()
        }
        return (keys, start)
    }

    private mutating func simpleKey() throws -> String {
        switch peek {
        case UInt8(ascii: "\"")?: return try basicString()
        case UInt8(ascii: "'")?: return try literalString()
        default:
            let start = position
            while let byte = peek, Self.isBareKey(byte) { position += 1 }
            guard position > start else { throw fail("expected a key") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }

    private static func isBareKey(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    // MARK: values

    /// Settings nest a few levels (CACHES.default.OPTIONS.x): deeper is hostile.
    static let maximumDepth = 64

    private mutating func value(depth: Int) throws -> Node {
        guard depth < Self.maximumDepth else { throw fail("values nested deeper than \(Self.maximumDepth) levels") }
        switch peek {
        case UInt8(ascii: "\"")?:
            return .value(.string(startsWith("\"\"\"") ? try multilineBasicString() : try basicString()))
        case UInt8(ascii: "'")?:
            return .value(.string(startsWith("'''") ? try multilineLiteralString() : try literalString()))
        case UInt8(ascii: "[")?: return try array(depth: depth)
        case UInt8(ascii: "{")?: return try inlineTable(depth: depth)
        case UInt8(ascii: "t")? where startsWith("true"): position += 4; return .value(.bool(true))
        case UInt8(ascii: "f")? where startsWith("false"): position += 5; return .value(.bool(false))
        case nil: throw fail("expected a value")
        default: return .value(try number())
        }
    }

    private mutating func array(depth: Int) throws -> Node {
        position += 1
        var items: [SettingsValue] = []
        while true {
            try skipBlank()
            if peek == UInt8(ascii: "]") { position += 1; return .value(.array(items)) }
            items.append(try value(depth: depth + 1).value)
            try skipBlank()
            switch peek {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "]")?: position += 1; return .value(.array(items))
            default: throw fail("expected ',' or ']' in the list")
            }
        }
    }

    private mutating func inlineTable(depth: Int) throws -> Node {
        position += 1
        var table = Node.table([:], defined: true)
        skipSpace()
        if peek == UInt8(ascii: "}") { position += 1; return Self.closed(table) }
        while true {
            skipSpace()
            let (keys, keyStart) = try dottedKey()
            try expect(UInt8(ascii: "="), "'=' after the key")
            skipSpace()
            let item = try value(depth: depth + keys.count)
            if let failure = Self.insert(item, into: &table, keys: keys[...]) { throw fail(failure, at: keyStart) }
            skipSpace()
            switch peek {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "}")?: position += 1; return Self.closed(table)
            default: throw fail("expected ',' or '}' in the inline table")
            }
        }
    }

    private static func closed(_ table: Node) -> Node {
        guard case .table(let entries, _, _, _) = table else { return table }
        return .table(entries, defined: true, inline: true)
    }

    private mutating func number() throws -> SettingsValue {
        let start = position
        while let byte = peek, Self.isNumberCharacter(byte) { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard !text.isEmpty else { throw fail("expected a value") }
        if let value = Self.integer(text) { return .int(value) }
        if let value = Self.float(text) { return .double(value) }
        position = start
        if text.contains(":" as Character) || (text.filter { $0 == "-" }.count >= 2 && text.first != "-") {
            throw fail("dates and times are not settings values; write a string or a number")
        }
        throw fail("\(quoted(text, limit: 30)) is not a TOML value (strings need quotes)")
    }

    private static func isNumberCharacter(_ byte: UInt8) -> Bool {
        isBareKey(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }

    private static func integer(_ text: String) -> Int? {
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
            let digits = text.dropFirst(2)
            // Int(_:radix:) would take a sign: 0x-1 is not TOML.
            guard validUnderscores(digits, between: \.isHexDigit), digits.allSatisfy({ $0.isHexDigit || $0 == "_" }) else { return nil }
            return Int(digits.filter { $0 != "_" }, radix: radix)
        }
        var digits = Substring(text)
        let sign = digits.first == "-" ? "-" : ""
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }), validUnderscores(digits, between: \.isNumber),
              digits == "0" || digits.first != "0" else { return nil }
        return Int(sign + digits.filter { $0 != "_" })
    }

    private static func float(_ text: String) -> Double? {
        var body = Substring(text)
        let negative = body.first == "-"
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if body == "inf" { return negative ? -.infinity : .infinity }
        if body == "nan" { return .nan }
        guard validUnderscores(body, between: \.isNumber), body.allSatisfy({ $0.isASCII && ($0.isNumber || "_.eE+-".contains($0)) }),
              body.first?.isNumber == true else { return nil }
        let digits = body.filter { $0 != "_" }
        // TOML: a "." has digits on both sides; no leading zeros.
        if let dot = digits.firstIndex(of: ".") {
            let after = digits[digits.index(after: dot)...]
            guard after.first?.isNumber == true else { return nil }
        }
        let integerPart = digits.prefix { $0.isNumber }
        guard integerPart == "0" || integerPart.first != "0" else { return nil }
        return Double((negative ? "-" : "") + digits)
    }

    /// Each `_` stands between two digits (`isDigit`: not the e of an exponent).
    private static func validUnderscores(_ text: Substring, between isDigit: (Character) -> Bool) -> Bool {
        let characters = Array(text)
        for (index, character) in characters.enumerated() where character == "_" {
            guard index > 0, index + 1 < characters.count, isDigit(characters[index - 1]), isDigit(characters[index + 1]) else {
                return false
            }
        }
        return true
    }

    // MARK: strings

    private mutating func basicString() throws -> String {
        position += 1
        var result = ""
        while true {
            guard let byte = peek else { throw fail("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return result
            case UInt8(ascii: "\\"):
                position += 1
                result.unicodeScalars.append(try escape())
            case 0x0a, 0x0d:
                throw fail("a line break in a one-line string (use \"\"\" for several lines)")
            case 0..<0x20 where byte != 0x09, 0x7f:
                throw fail("a control character in a string (write it as an escape)")
            default:
                result += try plainRun(allowingLineBreaks: false)
            }
        }
    }

    private mutating func multilineBasicString() throws -> String {
        position += 3
        if peek == 0x0a { position += 1 } else if startsWith("\r\n") { position += 2 }
        var result = ""
        while true {
            guard let byte = peek else { throw fail("unterminated string") }
            if startsWith("\"\"\"") {
                // Up to two quotes before the closing three belong to the string.
                let run = quoteRun(UInt8(ascii: "\""))
                guard run <= 5 else { throw fail("more than five quotes in a row") }
                for _ in 0..<(run - 3) { result.append("\"") }
                position += run
                return result
            }
            if byte == 0x0d && !startsWith("\r\n") { throw fail("a carriage return without a line feed in a string") }
            switch byte {
            case UInt8(ascii: "\\"):
                position += 1
                if let next = peek, next == 0x20 || next == 0x09 || next == 0x0a || next == 0x0d {
                    // A line-ending backslash swallows the break and following whitespace.
                    let save = position
                    skipSpace()
                    guard peek == 0x0a || startsWith("\r\n") else { position = save; throw fail("a backslash before spaces that do not end the line") }
                    while let next = peek, next == 0x20 || next == 0x09 || next == 0x0a || next == 0x0d { position += 1 }
                } else {
                    result.unicodeScalars.append(try escape())
                }
            case 0..<0x20 where byte != 0x09 && byte != 0x0a && byte != 0x0d, 0x7f:
                throw fail("a control character in a string (write it as an escape)")
            default:
                result += try plainRun(allowingLineBreaks: true)
            }
        }
    }

    private mutating func literalString() throws -> String {
        position += 1
        let start = position
        while true {
            guard let byte = peek else { throw fail("unterminated string") }
            if byte == UInt8(ascii: "'") { break }
            if byte == 0x0a || byte == 0x0d { throw fail("a line break in a one-line string (use ''' for several lines)") }
            if (byte < 0x20 && byte != 0x09) || byte == 0x7f { throw fail("a control character in a string") }
            position += 1
        }
        let text = try utf8(bytes[start..<position])
        position += 1
        return text
    }

    private mutating func multilineLiteralString() throws -> String {
        position += 3
        if peek == 0x0a { position += 1 } else if startsWith("\r\n") { position += 2 }
        let start = position
        while !startsWith("'''") {
            guard let byte = peek else { throw fail("unterminated string") }
            if (byte < 0x20 && byte != 0x09 && byte != 0x0a && byte != 0x0d) || byte == 0x7f { throw fail("a control character in a string") }
            if byte == 0x0d && !startsWith("\r\n") { throw fail("a carriage return without a line feed in a string") }
            position += 1
        }
        // Up to two quotes before the closing three belong to the string.
        let run = quoteRun(UInt8(ascii: "'"))
        guard run <= 5 else { throw fail("more than five quotes in a row") }
        let end = position + run - 3
        position += run
        return try utf8(bytes[start..<end])
    }

    private mutating func escape() throws -> Unicode.Scalar {
        guard let byte = peek else { throw fail("unterminated string") }
        position += 1
        switch byte {
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "f"): return "\u{0c}"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let width = byte == UInt8(ascii: "u") ? 4 : 8
            guard bytes.count - position >= width,
                  bytes[position..<position + width].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
                  let code = UInt32(String(decoding: bytes[position..<position + width], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(code) else {
                throw fail("\\\(Character(Unicode.Scalar(byte))) needs \(width) hex digits of a Unicode scalar")
            }
            position += width
            return scalar
        default:
            position -= 1
            throw fail("unknown escape \\\(Character(Unicode.Scalar(byte)))")
        }
    }

    /// The text up to the next quote, backslash or control character,
    /// taken in one piece (it must be UTF-8).
    private mutating func plainRun(allowingLineBreaks: Bool) throws -> String {
        let start = position
        while let byte = peek, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"),
              byte >= 0x20 || byte == 0x09 || (allowingLineBreaks && (byte == 0x0a || startsWith("\r\n"))), byte != 0x7f {
            position += 1
        }
        // A lone quote inside a multi-line string is a run of its own.
        if position == start { position += 1 }
        return try utf8(bytes[start..<position])
    }

    private func utf8(_ slice: ArraySlice<UInt8>) throws -> String {
        guard let text = String(validating: slice, as: UTF8.self) else { throw fail("text that is not UTF-8") }
        return text
    }

    // MARK: bytes

    /// How many `quote` bytes follow in a row from here.
    private func quoteRun(_ quote: UInt8) -> Int {
        var count = 0
        while position + count < bytes.count, bytes[position + count] == quote { count += 1 }
        return count
    }

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    /// Whether `text` comes next. A StaticString: this runs at every byte of
    /// a comment (is it "\r\n"?), where a String's bytes were an allocation each.
    private func startsWith(_ text: StaticString) -> Bool {
        text.withUTF8Buffer { expected in
            bytes.count - position >= expected.count && bytes[position..<position + expected.count].elementsEqual(expected)
        }
    }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 { position += 1 }
    }

    /// Spaces, line breaks (LF or CRLF) and comments.
    private mutating func skipBlank() throws {
        while let byte = peek {
            if byte == 0x20 || byte == 0x09 || byte == 0x0a || startsWith("\r\n") {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                try skipComment()
            } else {
                return
            }
        }
    }

    /// A comment up to its line break; TOML allows no control character but tab in it.
    private mutating func skipComment() throws {
        while let byte = peek, byte != 0x0a, !startsWith("\r\n") {
            if (byte < 0x20 && byte != 0x09) || byte == 0x7f { throw fail("a control character in a comment") }
            position += 1
        }
    }

    private mutating func endOfLine() throws {
        skipSpace()
        if peek == UInt8(ascii: "#") { try skipComment() }
        if startsWith("\r\n") { position += 2; return }
        guard peek == nil || peek == 0x0a else { throw fail("expected the end of the line") }
        if peek != nil { position += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipSpace()
        guard peek == byte else { throw fail("expected \(what)") }
        position += 1
    }

    /// An error at `offset` (the current position unless given): its line and
    /// column (in characters) are counted only here, when a file is refused.
    private func fail(_ reason: String, at offset: Int? = nil) -> Failure {
        let before = bytes[..<min(offset ?? position, bytes.count)]
        let lineStart = before.lastIndex(of: 0x0a).map { $0 + 1 } ?? 0
        return Failure(line: before.reduce(1) { $1 == 0x0a ? $0 + 1 : $0 },
                       column: before[lineStart...].reduce(1) { $1 & 0xc0 != 0x80 ? $0 + 1 : $0 }, reason: reason)
    }
}
