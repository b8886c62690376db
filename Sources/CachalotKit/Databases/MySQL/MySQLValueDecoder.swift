import CMariaDB

/// The Python values a Django MySQL connection's cursor returns, from the
/// text protocol (mysqlclient's converters, with Django's `conv` turning
/// TIME into `datetime.time`): ints (booleans too), Decimal, float, str
/// (decoded strictly with the connection's codec) or bytes by character
/// set (63 is binary), naive date/datetime (zero and
/// invalid dates are None), time, bytes for BIT.
enum MySQLValueDecoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let binaryCharset: UInt32 = 63

    static func decode(_ text: [UInt8], field: MySQLConnection.Field, codec: MySQLTextCodec) throws -> PickleValue {
        let string = String(decoding: text, as: UTF8.self)
        /// _mysql.c decodes text with `PyUnicode_Decode(…, encoding, NULL)`: strict.
        func decoded() throws -> PickleValue {
            guard let value = codec.decode(text) else {
                throw Failure(description: "bytes \(PythonStringRepr.repr(bytes: text)) that Python's \(codec) codec cannot decode (UnicodeDecodeError)")
            }
            return .string(value)
        }
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_INT24, MYSQL_TYPE_YEAR:
            guard let value = PythonValues.integer(decimal: string) else { throw Failure(description: "unexpected integer text \(quoted(string))") }
            return value
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL:
            guard let shown = PythonValues.decimalString(string) else { throw Failure(description: "unexpected decimal text \(quoted(string))") }
            return PythonValues.decimal(shown)
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
            guard let value = Double(string) else {
                throw Failure(description: "unexpected float text \(quoted(string))")
            }
            return .float(value)
        case MYSQL_TYPE_NULL:
            return .none
        case MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE:
            return date(text) ?? .none
        case MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP:
            return dateTime(text) ?? .none
        case MYSQL_TYPE_TIME:
            return try time(string)
        case MYSQL_TYPE_BIT, MYSQL_TYPE_GEOMETRY:
            return .bytes(text)
        case MYSQL_TYPE_JSON, MYSQL_TYPE_ENUM, MYSQL_TYPE_SET:
            return try decoded()
        default:
            // CHAR, VARCHAR, TEXT and BLOB kinds: bytes only for the binary character set.
            return field.charset == binaryCharset ? .bytes(text) : try decoded()
        }
    }

    /// MySQLdb's Date_or_None: YYYY-MM-DD, None for zero or invalid dates.
    private static func date(_ text: [UInt8]) -> PickleValue? {
        var scanner = TextScanner(text)
        guard let parts = try? scanner.date(kind: "date"), (try? scanner.end(kind: "date")) != nil,
              parts.day <= daysInMonth(parts.year, parts.month) else { return nil }
        return PythonValues.date(year: parts.year, month: parts.month, day: parts.day)
    }

    /// MySQLdb's DateTime_or_None: a date, then a time with 0–6 fraction
    /// digits; None for zero or invalid values.
    private static func dateTime(_ text: [UInt8]) -> PickleValue? {
        var scanner = TextScanner(text)
        guard let day = try? scanner.date(kind: "datetime"), day.day <= daysInMonth(day.year, day.month) else { return nil }
        var time = (hour: 0, minute: 0, second: 0, microsecond: 0)
        if (try? scanner.expect(UInt8(ascii: " "), kind: "datetime")) != nil {
            guard let parsed = try? scanner.time() else { return nil }
            time = parsed
        }
        guard (try? scanner.end(kind: "datetime")) != nil else { return nil }
        return PythonValues.datetime(year: day.year, month: day.month, day: day.day, hour: time.hour, minute: time.minute,
                                     second: time.second, microsecond: time.microsecond)
    }

    /// Django's typecast_time on the str mysqlclient gives it:
    /// "HH:MM:SS[.ffffff]", each part read with int(), so "-00" is hour 0
    /// but "-01" is hour -1. An hour Python cannot hold (TIME runs from
    /// -838 to 838) fails the query, as in Django.
    private static func time(_ text: String) throws -> PickleValue {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let seconds = parts.count == 3 ? parts[2].split(separator: ".", omittingEmptySubsequences: false) : []
        // int((microseconds + "000000")[:6])
        let fraction = String(((seconds.count == 2 ? String(seconds[1]) : "0") + "000000").prefix(6))
        guard parts.count == 3, (1...2).contains(seconds.count), let hour = Int(parts[0]), let minute = Int(parts[1]),
              let second = Int(seconds[0]), let microsecond = Int(fraction) else {
            throw Failure(description: "unexpected time text \(quoted(text))")
        }
        guard (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second), microsecond >= 0 else {
            throw Failure(description: "time \(quoted(text)) is not a Python time (hour must be in 0..23), as Django fails on it")
        }
        return PythonValues.time(hour: hour, minute: minute, second: second, microsecond: microsecond)
    }

    private static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
