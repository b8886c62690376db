/// Reads an array literal as PostgreSQL prints it (`{1,2,NULL}`,
/// `{{1,2},{3,4}}`, `{"b c",NULL}`, `[0:1]={1,2}`) into nested lists, each
/// element decoded by the element type, as psycopg does (bounds ignored).
struct PostgreSQLArrayParser {
    private let text: [UInt8]
    private var position = 0

    init(text: [UInt8]) { self.text = text }

    private var current: UInt8? { position < text.count ? text[position] : nil }

    private func failure() -> PostgreSQLValueDecoder.Failure {
        PostgreSQLValueDecoder.Failure(description: "malformed array \(quoted(String(decoding: text, as: UTF8.self)))")
    }

    mutating func parse(_ element: ([UInt8]) throws -> PickleValue) throws -> PickleValue {
        if current == UInt8(ascii: "[") {
            // Dimension bounds: "[0:1][1:2]=" before the braces.
            guard let equals = text.firstIndex(of: UInt8(ascii: "=")) else { throw failure() }
            position = equals + 1
        }
        let value = try list(element, depth: 0)
        guard position == text.count else { throw failure() }
        return value
    }

    private mutating func list(_ element: ([UInt8]) throws -> PickleValue, depth: Int) throws -> PickleValue {
        // PostgreSQL allows 6 dimensions (MAXDIM).
        guard depth < 6, current == UInt8(ascii: "{") else { throw failure() }
        position += 1
        var items: [PickleValue] = []
        if current == UInt8(ascii: "}") { position += 1; return .list(items) }
        while true {
            switch current {
            case UInt8(ascii: "{")?:
                items.append(try list(element, depth: depth + 1))
            case UInt8(ascii: "\"")?:
                items.append(try element(try quotedElement()))
            case .some:
                let start = position
                while let byte = current, byte != UInt8(ascii: ","), byte != UInt8(ascii: "}") { position += 1 }
                let raw = Array(text[start..<position])
                items.append(raw.count == 4 && String(decoding: raw, as: UTF8.self).uppercased() == "NULL" ? .none : try element(raw))
            case nil:
                throw failure()
            }
            switch current {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "}")?: position += 1; return .list(items)
            default: throw failure()
            }
        }
    }

    /// `"…"` with backslash escapes.
    private mutating func quotedElement() throws -> [UInt8] {
        position += 1
        var bytes: [UInt8] = []
        while let byte = current {
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return bytes
            case UInt8(ascii: "\\"):
                guard let escaped = current else { throw failure() }
                bytes.append(escaped)
                position += 1
            default:
                bytes.append(byte)
            }
        }
        throw failure()
    }
}
