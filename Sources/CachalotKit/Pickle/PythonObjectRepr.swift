import Foundation

/// Shows decoded pickle values the way Python prints them: `str()` for a
/// cell (text as is, numbers as repr) and `repr()` for objects that DB
/// drivers return (datetime, date, time, timedelta, Decimal, UUID). Any
/// other class is shown as `module.Class(...)`: never executed.
public enum PythonObjectRepr {
    /// `str(value)`, except None, which callers show as NULL.
    public static func str(_ value: PickleValue) -> String {
        switch value {
        case .string(let text): return text
        case .object: return objectText(value, repr: false)
        default: return repr(value)
        }
    }

    public static func repr(_ value: PickleValue) -> String {
        switch value {
        case .none: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .bigInt(let bytes): return "0x" + bytes.reversed().map { String(format: "%02x", $0) }.joined()
        case .float(let number): return PythonFloatRepr.repr(number)
        case .string(let text): return PythonStringRepr.repr(text)
        case .bytes(let data): return "b" + PythonStringRepr.repr(String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) })))
        case .tuple(let items): return "(" + items.map(repr).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .set(let items), .frozenSet(let items): return "{" + items.map(repr).joined(separator: ", ") + "}"
        case .dict(let entries): return "{" + entries.map { repr($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        case .global(let module, let name): return "\(module).\(name)"
        case .object: return objectText(value, repr: true)
        }
    }

    private static func objectText(_ value: PickleValue, repr asRepr: Bool) -> String {
        guard case .object(let callable, let arguments, let state) = value else { return repr(value) }
        let name: String
        if case .global(let module, let className) = callable { name = "\(module).\(className)" } else { name = repr(callable) }
        switch (name, arguments.first) {
        case ("datetime.datetime", .bytes(let b)?) where b.count == 10:
            let fields = [Int(b[0]) << 8 | Int(b[1]), Int(b[2]), Int(b[3]), Int(b[4]), Int(b[5]), Int(b[6]),
                          Int(b[7]) << 16 | Int(b[8]) << 8 | Int(b[9])]
            let tz = arguments.count > 1 ? ", tzinfo=" + timezone(arguments[1]) : ""
            return "datetime.datetime(" + trimmed(fields, keep: 5).map(String.init).joined(separator: ", ") + tz + ")"
        case ("datetime.date", .bytes(let b)?) where b.count == 4:
            return "datetime.date(\(Int(b[0]) << 8 | Int(b[1])), \(b[2]), \(b[3]))"
        case ("datetime.time", .bytes(let b)?) where b.count == 6:
            let fields = [Int(b[0]), Int(b[1]), Int(b[2]), Int(b[3]) << 16 | Int(b[4]) << 8 | Int(b[5])]
            return "datetime.time(" + trimmed(fields, keep: 2).map(String.init).joined(separator: ", ") + ")"
        case ("datetime.timedelta", _):
            let parts = zip(["days", "seconds", "microseconds"], arguments).compactMap { label, value -> String? in
                guard case .int(let number) = value, number != 0 else { return nil }
                return "\(label)=\(number)"
            }
            return "datetime.timedelta(\(parts.joined(separator: ", ")))"
        case ("decimal.Decimal", .string(let text)?):
            return asRepr ? "Decimal('\(text)')" : text
        case ("uuid.UUID", _):
            if case .dict(let entries)? = state, let entry = entries.first(where: { $0.key == .string("int") }) {
                let hex = uuidHex(entry.value)
                if hex.count == 32 {
                    let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
                                 hex.dropFirst(16).prefix(4), hex.dropFirst(20)].map(String.init).joined(separator: "-")
                    return asRepr ? "UUID('\(parts)')" : parts
                }
            }
        default:
            break
        }
        return name + "(" + arguments.map(repr).joined(separator: ", ") + ")"
    }

    /// Python drops trailing zero fields after the first `keep` ones.
    private static func trimmed(_ fields: [Int], keep: Int) -> [Int] {
        var result = fields
        while result.count > keep, result.last == 0 { result.removeLast() }
        return result
    }

    private static func timezone(_ value: PickleValue) -> String {
        if case .object(.global("datetime", "timezone"), let arguments, _) = value,
           case .object(.global("datetime", "timedelta"), let delta, _)? = arguments.first,
           delta.allSatisfy({ $0 == .int(0) }) {
            return "datetime.timezone.utc"
        }
        return repr(value)
    }

    private static func uuidHex(_ value: PickleValue) -> String {
        let bytes: [UInt8]
        switch value {
        case .int(let number): bytes = withUnsafeBytes(of: UInt64(bitPattern: Int64(number)).littleEndian) { Array($0) }
        case .bigInt(let data): bytes = data
        default: return ""
        }
        var padded = Array(bytes.prefix(16))
        padded += [UInt8](repeating: 0, count: max(0, 16 - padded.count))
        return padded.reversed().map { String(format: "%02x", $0) }.joined()
    }
}
