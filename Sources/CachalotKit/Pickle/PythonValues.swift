/// The Python objects database drivers return, built as pickle describes
/// them (each class's `__reduce__`), so rows read by cachalot pickle the way
/// the driver's values do and print with their Python repr.
public enum PythonValues {
    static func call(_ module: String, _ name: String, _ arguments: [PickleValue]) -> PickleValue {
        .object(callable: .global(module: module, name: name), arguments: arguments, state: nil)
    }

    /// `json.loads`' value: objects as dicts in key order, big integers whole
    /// (django-redis's JSON serializer, psycopg's json and jsonb columns).
    static func jsonLoads(_ tree: JSONTree) -> PickleValue {
        switch tree {
        case .null: return .none
        case .bool(let flag): return .bool(flag)
        case .integer(let digits): return integer(decimal: digits) ?? .string(digits)
        case .double(let number): return .float(number)
        case .string(let text): return .string(text)
        case .array(let items): return .list(items.map(jsonLoads))
        case .object(let entries): return .dict(entries.map { PickleDictEntry(key: .string($0.key), value: jsonLoads($0.value)) })
        }
    }

    /// `decimal.Decimal(text)`; `text` is already `str(Decimal)`.
    public static func decimal(_ text: String) -> PickleValue { call("decimal", "Decimal", [.string(text)]) }

    public static func date(year: Int, month: Int, day: Int) -> PickleValue {
        call("datetime", "date", [.bytes([UInt8(year >> 8), UInt8(year & 0xff), UInt8(month), UInt8(day)])])
    }

    /// `datetime.time`; `fold` is the second of two equal wall times.
    public static func time(hour: Int, minute: Int, second: Int, microsecond: Int, fold: Bool = false,
                            tzinfo: PickleValue? = nil) -> PickleValue {
        let bytes: [UInt8] = [UInt8(hour) | (fold ? 0x80 : 0), UInt8(minute), UInt8(second)] + microsecondBytes(microsecond)
        return call("datetime", "time", [.bytes(bytes)] + (tzinfo.map { [$0] } ?? []))
    }

    public static func datetime(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
                                microsecond: Int, fold: Bool = false, tzinfo: PickleValue? = nil) -> PickleValue {
        let bytes: [UInt8] = [UInt8(year >> 8), UInt8(year & 0xff), UInt8(month) | (fold ? 0x80 : 0), UInt8(day),
                              UInt8(hour), UInt8(minute), UInt8(second)] + microsecondBytes(microsecond)
        return call("datetime", "datetime", [.bytes(bytes)] + (tzinfo.map { [$0] } ?? []))
    }

    private static func microsecondBytes(_ value: Int) -> [UInt8] {
        [UInt8(value >> 16), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    /// `datetime.timedelta` from a total of microseconds, normalised as
    /// Python does: 0 ≤ seconds < 86400, 0 ≤ microseconds < 10⁶.
    public static func timedelta(microseconds total: Int) -> PickleValue {
        timedelta(days: 0, microseconds: total)!
    }

    /// `datetime.timedelta(days, microseconds=…)`, normalised; nil beyond
    /// Python's ±999,999,999 days.
    public static func timedelta(days: Int, microseconds: Int) -> PickleValue? {
        let perDay = 86_400_000_000
        var extra = microseconds / perDay
        var rest = microseconds % perDay
        if rest < 0 {
            extra -= 1
            rest += perDay
        }
        let (total, overflow) = days.addingReportingOverflow(extra)
        guard !overflow, total.magnitude <= 999_999_999 else { return nil }
        return call("datetime", "timedelta", [.int(total), .int(rest / 1_000_000), .int(rest % 1_000_000)])
    }

    /// `datetime.timezone(timedelta(seconds=offset))`; offset 0 is `timezone.utc`.
    public static func timezone(offsetSeconds: Int) -> PickleValue {
        call("datetime", "timezone", [timedelta(microseconds: offsetSeconds * 1_000_000)])
    }

    /// `datetime.timezone(timedelta, name)`: a fixed offset with a name,
    /// as Django's get_fixed_timezone makes one ("+0530").
    public static func timezone(offsetSeconds: Int, name: String) -> PickleValue {
        call("datetime", "timezone", [timedelta(microseconds: offsetSeconds * 1_000_000), .string(name)])
    }

    public static var utc: PickleValue { timezone(offsetSeconds: 0) }

    /// `zoneinfo.ZoneInfo(key)`, pickled as `ZoneInfo._unpickle(key, 1)`.
    public static func zoneInfo(_ key: String) -> PickleValue {
        let unpickle = call("builtins", "getattr", [.global(module: "zoneinfo", name: "ZoneInfo"), .string("_unpickle")])
        return .object(callable: unpickle, arguments: [.string(key), .int(1)], state: nil)
    }

    /// `uuid.UUID`: `object.__new__` then its `int` as state (NEWOBJ + BUILD).
    public static func uuid(_ bytes: [UInt8]) -> PickleValue {
        .object(callable: .global(module: "uuid", name: "UUID"), arguments: [],
                state: .dict([PickleDictEntry(key: .string("int"), value: integer(bigEndianUnsigned: bytes))]))
    }

    /// A non-negative integer from big-endian bytes: `.int` when it fits.
    public static func integer(bigEndianUnsigned bytes: [UInt8]) -> PickleValue {
        let significant = Array(bytes.drop { $0 == 0 })
        if significant.count < 8 || (significant.count == 8 && significant[0] < 0x80) {
            return .int(significant.reduce(0) { $0 << 8 | Int($1) })
        }
        // Two's complement, little-endian, with a sign byte when the top bit is set.
        var little = Array(significant.reversed())
        if little.last! >= 0x80 { little.append(0) }
        return .bigInt(little)
    }
}

extension PythonValues {
    /// A Python int from its decimal text (any size, as `int(text)`): `.int`
    /// when it fits 64 bits, else two's-complement little-endian bytes.
    /// Longer than Python's default limit for int(str) (4,300 digits) is refused.
    public static func integer(decimal text: String) -> PickleValue? {
        if let small = Int(text) { return .int(small) }
        guard text.utf8.count <= 4_301 else { return nil }
        let negative = text.hasPrefix("-")
        var digits = Array(text.utf8.dropFirst(negative ? 1 : 0)).map { Int($0) - 48 }
        guard !digits.isEmpty, digits.allSatisfy({ (0...9).contains($0) }) else { return nil }
        // Long division by 256 gives the magnitude's bytes, least significant first.
        var magnitude: [UInt8] = []
        while !digits.isEmpty {
            var remainder = 0
            var quotient: [Int] = []
            quotient.reserveCapacity(digits.count)
            for digit in digits {
                let value = remainder * 10 + digit
                if !quotient.isEmpty || value >= 256 { quotient.append(value / 256) }
                remainder = value % 256
            }
            magnitude.append(UInt8(remainder))
            digits = quotient
        }
        if !negative {
            if magnitude.last! >= 0x80 { magnitude.append(0) }
            return .bigInt(magnitude)
        }
        // Negate: invert and add one, then keep a sign bit set.
        var carry = 1
        var bytes = magnitude.map { byte -> UInt8 in
            let sum = Int(~byte) + carry
            carry = sum >> 8
            return UInt8(sum & 0xff)
        }
        if bytes.last! < 0x80 { bytes.append(0xff) }
        while bytes.count > 1, bytes.last == 0xff, bytes[bytes.count - 2] >= 0x80 { bytes.removeLast() }
        return .bigInt(bytes)
    }

    /// `str(Decimal(text))` for a plain decimal numeral ("-12.30", "0.00"),
    /// or NaN / Infinity: Python's to-scientific-string rule, which writes
    /// an exponent once there are more than six leading zeros after the point.
    public static func decimalString(_ text: String) -> String? {
        switch text {
        case "NaN", "Infinity", "-Infinity": return text
        default: break
        }
        let negative = text.hasPrefix("-")
        let body = text.utf8.dropFirst(negative || text.hasPrefix("+") ? 1 : 0)
        let parts = body.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !body.isEmpty,
              parts.allSatisfy({ $0.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }) else { return nil }
        let fraction = parts.count == 2 ? Array(parts[1]) : []
        var coefficient = Array((Array(parts[0]) + fraction).drop { $0 == UInt8(ascii: "0") })
        if coefficient.isEmpty { coefficient = [UInt8(ascii: "0")] }
        let exponent = -fraction.count
        let leftDigits = exponent + coefficient.count
        let dotPlace = exponent <= 0 && leftDigits > -6 ? leftDigits : 1
        let digits = String(decoding: coefficient, as: UTF8.self)
        var result: String
        if dotPlace <= 0 {
            result = "0." + String(repeating: "0", count: -dotPlace) + digits
        } else if dotPlace >= coefficient.count {
            result = digits + String(repeating: "0", count: dotPlace - coefficient.count)
        } else {
            result = String(digits.prefix(dotPlace)) + "." + String(digits.dropFirst(dotPlace))
        }
        if leftDigits != dotPlace {
            let shown = leftDigits - dotPlace
            result += "E" + (shown >= 0 ? "+" : "") + String(shown)
        }
        return (negative ? "-" : "") + result
    }
}
