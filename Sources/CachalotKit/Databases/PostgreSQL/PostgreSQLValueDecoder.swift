import CPq

/// Turns PostgreSQL's text output into the Python values psycopg 3 returns
/// on a Django connection (django/db/backends/postgresql/psycopg_any.py):
/// int, float, Decimal, bool, bytes, date/time/datetime with Django's
/// tzinfo, timedelta, UUID, json parsed, jsonb and everything else as str,
/// arrays as lists. Values Python cannot hold (year 10000, infinity) fail
/// as they fail in Django.
struct PostgreSQLValueDecoder {
    var clock: DatabaseClock

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func decode(_ text: [UInt8], type oid: Oid) throws -> PickleValue {
        if let element = PostgreSQLType.element(ofArray: oid) {
            var parser = PostgreSQLArrayParser(text: text)
            return try parser.parse { try decode($0, type: element) }
        }
        switch PostgreSQLType.of(oid) {
        case .text: return .string(String(decoding: text, as: UTF8.self))
        case .bool: return .bool(text == [UInt8(ascii: "t")])
        case .integer:
            guard let value = PythonValues.integer(decimal: string(text)) else { throw malformed("integer", text) }
            return value
        case .float: return .float(try float(text))
        case .numeric:
            guard let shown = PythonValues.decimalString(string(text)) else { throw malformed("numeric", text) }
            return PythonValues.decimal(shown)
        case .bytea: return .bytes(try bytea(text))
        case .date:
            var scanner = TextScanner(text)
            let date = try scanner.date(kind: "date")
            try scanner.end(kind: "date")
            return PythonValues.date(year: date.year, month: date.month, day: date.day)
        case .time, .timeWithZone:
            var scanner = TextScanner(text)
            let time = try scanner.time()
            let offset = oid == 1266 ? try scanner.offset() : nil
            try scanner.end(kind: "time")
            return PythonValues.time(hour: time.hour, minute: time.minute, second: time.second,
                                     microsecond: time.microsecond,
                                     tzinfo: offset.map { PythonValues.timezone(offsetSeconds: $0) })
        case .timestamp, .timestampWithZone:
            return try timestamp(text, withZone: oid == 1184)
        case .interval:
            var scanner = TextScanner(text)
            let interval = try scanner.interval()
            guard let value = PythonValues.timedelta(days: interval.days, microseconds: interval.microseconds) else {
                throw Failure(description: "interval out of Python's timedelta range: \(quoted(string(text)))")
            }
            return value
        case .uuid:
            let hex = text.filter { $0 != UInt8(ascii: "-") }
            guard hex.count == 32, let bytes = Base16.decode(hex) else { throw malformed("uuid", text) }
            return PythonValues.uuid(bytes)
        case .json:
            do {
                return PythonValues.jsonLoads(try JSONReader.read(string(text), maximumDepth: PickleReader.maximumDepth, bigIntegers: true))
            } catch let failure as JSONReader.Failure {
                throw Failure(description: "json value at column \(failure.column): \(failure.reason)")
            }
        }
    }

    private func string(_ text: [UInt8]) -> String { String(decoding: text, as: UTF8.self) }

    private func malformed(_ kind: String, _ text: [UInt8]) -> Failure {
        Failure(description: "unexpected \(kind) text \(quoted(string(text)))")
    }

    private func float(_ text: [UInt8]) throws -> Double {
        switch string(text) {
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case "NaN": return .nan
        case let other:
            guard let value = Double(other), other.utf8.allSatisfy({ !(UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0 | 0x20) || $0 | 0x20 == UInt8(ascii: "e") }) else {
                throw malformed("float", text)
            }
            return value
        }
    }

    /// bytea in the hex format (`\x…`, the default since 9.0) or the old
    /// escape format.
    private func bytea(_ text: [UInt8]) throws -> [UInt8] {
        if text.starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "x")]) {
            guard let bytes = Base16.decode(Array(text.dropFirst(2))) else { throw malformed("bytea", text) }
            return bytes
        }
        var bytes: [UInt8] = []
        var index = 0
        while index < text.count {
            guard text[index] == UInt8(ascii: "\\") else { bytes.append(text[index]); index += 1; continue }
            if index + 1 < text.count, text[index + 1] == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
                index += 2
            } else if index + 3 < text.count, let value = UInt8(string(Array(text[index + 1...index + 3])), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                throw malformed("bytea", text)
            }
        }
        return bytes
    }

    /// A timestamp as psycopg and Django give it: naive as written; with a
    /// zone, moved to UTC for `timezone.utc`, or left in the session zone
    /// (which is the database's TIME_ZONE) for a ZoneInfo.
    private func timestamp(_ text: [UInt8], withZone: Bool) throws -> PickleValue {
        let kind = "timestamp"
        var scanner = TextScanner(text)
        var date = try scanner.date(kind: kind)
        try scanner.expect(UInt8(ascii: " "), kind: kind)
        var time = try scanner.time()
        let offset = withZone ? try scanner.offset() : 0
        try scanner.end(kind: kind)
        guard withZone else {
            return PythonValues.datetime(year: date.year, month: date.month, day: date.day, hour: time.hour,
                                         minute: time.minute, second: time.second, microsecond: time.microsecond)
        }
        let tzinfo: PickleValue?
        switch clock.rowZone {
        case .naive:
            tzinfo = nil
        case .zoneInfo(let key):
            tzinfo = PythonValues.zoneInfo(key)
        case .utc:
            tzinfo = PythonValues.utc
            if offset != 0 {
                let seconds = CivilTime.days(year: date.year, month: date.month, day: date.day) * 86_400
                    + time.hour * 3600 + time.minute * 60 + time.second - offset
                let day = seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
                let civil = CivilTime.date(days: day)
                guard (1...9999).contains(civil.year) else { throw Failure(description: "timestamp out of Python's range: \(quoted(string(text)))") }
                date = civil
                let rest = seconds - day * 86_400
                time = (rest / 3600, rest % 3600 / 60, rest % 60, time.microsecond)
            }
        }
        return PythonValues.datetime(year: date.year, month: date.month, day: date.day, hour: time.hour,
                                     minute: time.minute, second: time.second, microsecond: time.microsecond,
                                     tzinfo: tzinfo)
    }

}
