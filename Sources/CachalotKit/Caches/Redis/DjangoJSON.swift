/// django-redis's JSONSerializer: `json.dumps(value, cls=DjangoJSONEncoder)`
/// as UTF-8 (Python's default separators, `ensure_ascii`), and
/// `json.loads` back. JSON has no tuples: they are written as lists and
/// come back as lists. Of the objects database drivers return,
/// DjangoJSONEncoder writes Decimal and UUID as their text; anything else
/// (datetimes, bytes) is refused here as Python refuses or changes it.
enum DjangoJSON {
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    static func dumps(_ value: PickleValue) throws -> [UInt8] {
        var text = ""
        try write(value, into: &text, depth: 0)
        return Array(text.utf8)
    }

    static func loads(_ bytes: [UInt8]) throws -> PickleValue {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Unsupported(description: "JSON that is not UTF-8") }
        do {
            return PythonValues.jsonLoads(try JSONReader.read(text, maximumDepth: PickleReader.maximumDepth, bigIntegers: true))
        } catch let failure as JSONReader.Failure {
            throw Unsupported(description: "invalid JSON at column \(failure.column): \(failure.reason)")
        }
    }

    private static func write(_ value: PickleValue, into text: inout String, depth: Int) throws {
        guard depth < PickleReader.maximumDepth else { throw Unsupported(description: "a value nested too deep for JSON") }
        switch value {
        case .none: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .int(let number): text += String(number)
        case .float(let number):
            text += number.isNaN ? "NaN" : number.isInfinite ? (number < 0 ? "-Infinity" : "Infinity") : PythonFloatRepr.repr(number)
        case .string(let string): writeString(string, into: &text)
        case .tuple(let items), .list(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += ", " }
                try write(item, into: &text, depth: depth + 1)
            }
            text += "]"
        case .dict(let entries):
            text += "{"
            for (index, entry) in entries.enumerated() {
                if index > 0 { text += ", " }
                guard case .string(let key) = entry.key else { throw Unsupported(description: "a dict key that is not text") }
                writeString(key, into: &text)
                text += ": "
                try write(entry.value, into: &text, depth: depth + 1)
            }
            text += "}"
        case .object(.global("decimal", "Decimal"), let arguments, _):
            guard case .string(let shown)? = arguments.first else { throw unsupported(value) }
            writeString(shown, into: &text)
        case .object(.global("uuid", "UUID"), _, _):
            writeString(PythonObjectRepr.str(value), into: &text)
        default:
            throw unsupported(value)
        }
    }

    private static func unsupported(_ value: PickleValue) -> Unsupported {
        Unsupported(description: "\(PythonObjectRepr.excerpt(value, limit: 40)) is not written by django-redis's JSON serializer as it reads it back")
    }

    /// Python's json string with ensure_ascii: \\uXXXX for every non-ASCII
    /// character (surrogate pairs beyond U+FFFF).
    private static func writeString(_ string: String, into text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0c}": text += "\\f"
            default:
                if (0x20...0x7e).contains(scalar.value) {
                    text.unicodeScalars.append(scalar)
                } else if scalar.value >= 0x10000 {
                    let offset = scalar.value - 0x10000
                    text += "\\u" + TextFormatting.hex(0xd800 + (offset >> 10), width: 4) + "\\u" + TextFormatting.hex(0xdc00 + (offset & 0x3ff), width: 4)
                } else {
                    text += "\\u" + TextFormatting.hex(scalar.value, width: 4)
                }
            }
        }
        text += "\""
    }
}
