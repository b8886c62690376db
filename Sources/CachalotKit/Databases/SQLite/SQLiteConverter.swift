/// The converters Django's SQLite backend registers with Python's sqlite3
/// module (django/db/backends/sqlite3/base.py: `bool` is `b"1".__eq__`;
/// `date`, `time`, `datetime` and `timestamp` are django.utils.dateparse's
/// parse_date, parse_time and parse_datetime), picked per column as sqlite3
/// picks them on a connection opened with PARSE_DECLTYPES | PARSE_COLNAMES.
/// These values are what Django's cursor returns and what django-cachalot
/// caches; any other column keeps sqlite3's int, float, str or bytes.
///
/// Dates and times are read only in the forms where Python's fromisoformat
/// and Django's regular expressions give the same value (Django writes
/// nothing else); any other text is refused, never guessed.
enum SQLiteConverter {
    case bool, date, time, datetime

    struct Refusal: Error {
        var description: String
    }

    /// sqlite3's choice: a `[type]` in the column name first, then the
    /// declared type up to its first blank or `(`, case-insensitively
    /// (Modules/_sqlite/cursor.c, pysqlite_build_row_cast_map).
    static func of(columnName: String?, declaredType: String?) -> SQLiteConverter? {
        if let name = columnName, let close = name.firstIndex(of: "]"),
           let open = name[..<close].lastIndex(of: "["),
           let converter = named(String(name[name.index(after: open)..<close])) {
            return converter
        }
        guard let declared = declaredType else { return nil }
        return named(String(declared.prefix { $0 != " " && $0 != "(" }))
    }

    private static func named(_ name: String) -> SQLiteConverter? {
        switch name.uppercased() {
        case "BOOL": return .bool
        case "DATE": return .date
        case "TIME": return .time
        case "DATETIME", "TIMESTAMP": return .datetime
        default: return nil
        }
    }

    /// The column name sqlite3 reports with PARSE_COLNAMES: cut before the
    /// first `[` (and the blank before it).
    static func shownName(_ name: String) -> String {
        guard let open = name.firstIndex(of: "[") else { return name }
        let cut = name[..<open]
        return String(cut.hasSuffix(" ") ? cut.dropLast() : cut)
    }

    /// The converter's value for a column's bytes (never NULL: sqlite3
    /// gives None without calling it), under the site's Python (`python`,
    /// VERSIONS.python; nil when unknown).
    func convert(_ bytes: [UInt8], python: [Int]?) throws -> PickleValue {
        if self == .bool { return .bool(bytes == [UInt8(ascii: "1")]) }
        var text = DjangoDateText(bytes, python: python)
        let value: PickleValue?
        switch self {
        case .date: value = text.date()
        case .time: value = text.time()
        default: value = text.datetime()
        }
        if text.needsPythonVersion {
            throw Refusal(description: "\(quoted(String(decoding: bytes, as: UTF8.self))) converts to another time zone object under Python 3.10 than later (a name, +HHMM, from Django's own parser); "
                + "the settings do not say which Python the site runs: export them again with the README's command (VERSIONS)")
        }
        guard let value else {
            throw Refusal(description: "\(quoted(String(decoding: bytes, as: UTF8.self))) is not \(shape): the only "
                + "\(self) text cachalot converts exactly as Django's sqlite3 converter does")
        }
        return value
    }

    private var shape: String {
        switch self {
        case .bool: return ""
        case .date: return "YYYY-MM-DD"
        case .time: return "HH:MM[:SS[.ffffff]]"
        case .datetime: return "YYYY-MM-DD[ HH:MM[:SS[.ffffff]][Z|±HH:MM]] (or with T)"
        }
    }
}

/// The date and time texts parse_date, parse_time and parse_datetime read
/// alike whichever of their two paths takes them; nil for anything else,
/// including well-formed but impossible values (Django raises on those).
private struct DjangoDateText {
    private let bytes: [UInt8]
    private let python: [Int]?
    private var position = 0
    /// Set when the value depends on the Python version, which is unknown.
    private(set) var needsPythonVersion = false

    init(_ bytes: [UInt8], python: [Int]?) {
        self.bytes = bytes
        self.python = python
    }

    mutating func date() -> PickleValue? {
        guard let day = calendarDate(), atEnd else { return nil }
        return PythonValues.date(year: day.year, month: day.month, day: day.day)
    }

    mutating func time() -> PickleValue? {
        guard let clock = clockTime(), atEnd else { return nil }
        return PythonValues.time(hour: clock.hour, minute: clock.minute, second: clock.second, microsecond: clock.microsecond)
    }

    mutating func datetime() -> PickleValue? {
        guard let day = calendarDate() else { return nil }
        // fromisoformat takes a bare date as its midnight.
        if atEnd { return PythonValues.datetime(year: day.year, month: day.month, day: day.day, hour: 0, minute: 0, second: 0, microsecond: 0) }
        guard take(UInt8(ascii: " ")) || take(UInt8(ascii: "T")), let clock = clockTime() else { return nil }
        var tzinfo: PickleValue?
        if take(UInt8(ascii: "Z")) {
            tzinfo = PythonValues.utc
        } else if let sign = current, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            position += 1
            guard let hours = digits(2), hours < 24, take(UInt8(ascii: ":")), let minutes = digits(2), minutes < 60 else { return nil }
            let offset = (hours * 60 + minutes) * 60 * (sign == UInt8(ascii: "-") ? -1 : 1)
            // Python 3.10's fromisoformat takes 0, 3 or 6 fraction digits
            // only; on any other count Django's regular expression parses
            // it and names the zone (get_fixed_timezone).
            if ![0, 3, 6].contains(clock.fractionDigits) {
                guard let python else { needsPythonVersion = true; return nil }
                if python.lexicographicallyPrecedes([3, 11]) {
                    let name = String(UnicodeScalar(sign)) + zeroPadded(hours) + zeroPadded(minutes)
                    tzinfo = PythonValues.timezone(offsetSeconds: offset, name: name)
                }
            }
            tzinfo = tzinfo ?? PythonValues.timezone(offsetSeconds: offset)
        }
        guard atEnd else { return nil }
        return PythonValues.datetime(year: day.year, month: day.month, day: day.day, hour: clock.hour, minute: clock.minute,
                                     second: clock.second, microsecond: clock.microsecond, tzinfo: tzinfo)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }
    private var atEnd: Bool { position == bytes.count }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        position += 1
        return true
    }

    /// Exactly `count` ASCII digits as a number.
    private mutating func digits(_ count: Int) -> Int? {
        guard position + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[position..<position + count] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        position += count
        return value
    }

    private mutating func calendarDate() -> (year: Int, month: Int, day: Int)? {
        guard let year = digits(4), take(UInt8(ascii: "-")), let month = digits(2), take(UInt8(ascii: "-")),
              let day = digits(2), year >= 1, (1...12).contains(month) else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...length).contains(day) ? (year, month, day) : nil
    }

    private func zeroPadded(_ number: Int) -> String { number < 10 ? "0\(number)" : String(number) }

    /// HH:MM[:SS[.f…]] with one to six fraction digits (".5" is 500000 µs
    /// on both of Django's paths).
    private mutating func clockTime() -> (hour: Int, minute: Int, second: Int, microsecond: Int, fractionDigits: Int)? {
        guard let hour = digits(2), hour < 24, take(UInt8(ascii: ":")), let minute = digits(2), minute < 60 else { return nil }
        guard take(UInt8(ascii: ":")) else { return (hour, minute, 0, 0, 0) }
        guard let second = digits(2), second < 60 else { return nil }
        guard take(UInt8(ascii: ".")) else { return (hour, minute, second, 0, 0) }
        var microsecond = 0, count = 0
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            guard count < 6 else { return nil }
            microsecond = microsecond * 10 + Int(byte - UInt8(ascii: "0"))
            count += 1
            position += 1
        }
        guard count > 0 else { return nil }
        return (hour, minute, second, microsecond * [1, 100_000, 10_000, 1_000, 100, 10, 1][count], count)
    }
}
