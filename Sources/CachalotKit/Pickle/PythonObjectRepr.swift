/// Shows decoded pickle values the way Python prints them: `str()` for a
/// cell (text as is, numbers as repr) and `repr()` for objects that DB
/// drivers return (datetime, date, time, timedelta, Decimal, UUID). Any
/// other class is shown as `module.Class(...)`: never executed.
public enum PythonObjectRepr {
    /// `str(value)`, except None, which callers show as NULL.
    public static func str(_ value: PickleValue) -> String {
        switch value {
        case .string(let text): return text
        case .object: return objectText(value, asRepr: false)
        default: return repr(value)
        }
    }

    public static func repr(_ value: PickleValue) -> String {
        var text = ""
        var budget = Int.max
        write(value, into: &text, budget: &budget)
        return text
    }

    /// At most about `limit` characters of `repr(value)`, for messages: a
    /// hostile value of megabytes is quoted by its start only.
    public static func excerpt(_ value: PickleValue, limit: Int = 80) -> String {
        var text = ""
        var budget = limit
        write(value, into: &text, budget: &budget)
        return budget < 0 ? String(text.prefix(limit)) + "…" : text
    }

    /// Appends `repr(value)`, spending `budget` characters; stops early
    /// (leaving the budget negative) once it is spent.
    private static func write(_ value: PickleValue, into text: inout String, budget: inout Int) {
        guard budget >= 0 else { return }
        func append(_ piece: String) {
            text += piece
            budget -= piece.count
        }
        func sequence(_ items: [PickleValue], open: String, close: String, singleComma: Bool = false) {
            append(open)
            for (index, item) in items.enumerated() {
                if index > 0 { append(", ") }
                write(item, into: &text, budget: &budget)
                if budget < 0 { return }
            }
            append(singleComma && items.count == 1 ? ",)" : close)
        }
        switch value {
        case .none: append("None")
        case .bool(let flag): append(flag ? "True" : "False")
        case .int(let number): append(String(number))
        case .bigInt(let bytes): append("0x" + TextFormatting.hex(bytes: bytes.reversed()))
        case .float(let number): append(PythonFloatRepr.repr(number))
        case .string(let string): append(PythonStringRepr.repr(budget < Int.max ? String(string.prefix(budget + 1)) : string))
        case .bytes(let data): append(PythonStringRepr.repr(bytes: budget < Int.max ? Array(data.prefix(budget + 1)) : data))
        case .tuple(let items): sequence(items, open: "(", close: ")", singleComma: true)
        case .list(let items): sequence(items, open: "[", close: "]")
        case .set(let items), .frozenSet(let items): sequence(items, open: "{", close: "}")
        case .dict(let entries):
            append("{")
            for (index, entry) in entries.enumerated() {
                if index > 0 { append(", ") }
                write(entry.key, into: &text, budget: &budget)
                append(": ")
                write(entry.value, into: &text, budget: &budget)
                if budget < 0 { return }
            }
            append("}")
        case .global(let module, let name): append("\(module).\(name)")
        case .object: append(objectText(value, asRepr: true))
        }
    }

    private static func objectText(_ value: PickleValue, asRepr: Bool) -> String {
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
            let tz = arguments.count > 1 ? ", tzinfo=" + timezone(arguments[1]) : ""
            return "datetime.time(" + trimmed(fields, keep: 2).map(String.init).joined(separator: ", ") + tz + ")"
        case ("datetime.timedelta", _):
            let parts = zip(["days", "seconds", "microseconds"], arguments).compactMap { label, value -> String? in
                guard case .int(let number) = value, number != 0 else { return nil }
                return "\(label)=\(number)"
            }
            return "datetime.timedelta(\(parts.isEmpty ? "0" : parts.joined(separator: ", ")))"
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
        return name + "(" + arguments.map { excerpt($0) }.joined(separator: ", ") + ")"
    }

    /// Python drops trailing zero fields after the first `keep` ones.
    private static func trimmed(_ fields: [Int], keep: Int) -> [Int] {
        var result = fields
        while result.count > keep, result.last == 0 { result.removeLast() }
        return result
    }

    private static func timezone(_ value: PickleValue) -> String {
        if case .object(.global("datetime", "timezone"), let arguments, _) = value,
           case .object(.global("datetime", "timedelta"), let delta, _)? = arguments.first {
            if delta.allSatisfy({ $0 == .int(0) }) { return "datetime.timezone.utc" }
            return "datetime.timezone(" + repr(arguments[0]) + ")"
        }
        if case .object(.object(.global("builtins", "getattr"), let target, _), let arguments, _) = value,
           target.first == .global(module: "zoneinfo", name: "ZoneInfo"), case .string(let key)? = arguments.first {
            return "zoneinfo.ZoneInfo(key=\(PythonStringRepr.repr(key)))"
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
        return TextFormatting.hex(bytes: padded.reversed())
    }
}
