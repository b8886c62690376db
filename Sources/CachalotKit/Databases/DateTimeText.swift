/// Reads the ISO date and time text database servers send ("2024-02-29",
/// "13:45:30.123456", "+02", "1 day 02:03:04"), refusing what Python's
/// datetime cannot hold with the drivers' own words.
struct TextScanner {
    private let text: [UInt8]
    private var position = 0

    init(_ text: [UInt8]) { self.text = text }

    private var current: UInt8? { position < text.count ? text[position] : nil }
    private var shown: String { quoted(String(decoding: text, as: UTF8.self)) }

    private func failure(_ problem: String) -> PostgreSQLValueDecoder.Failure {
        PostgreSQLValueDecoder.Failure(description: "\(problem): \(shown)")
    }

    mutating func expect(_ byte: UInt8, kind: String) throws {
        guard current == byte else { throw failure("malformed \(kind)") }
        position += 1
    }

    mutating func end(kind: String) throws {
        if text[position...].elementsEqual(" BC".utf8) { throw failure("\(kind) too small (before year 1)") }
        guard position == text.count else { throw failure("malformed \(kind)") }
    }

    /// Digits as a number; exactly `count` of them when given.
    private mutating func number(count: Int? = nil, kind: String) throws -> Int {
        let start = position
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), position - start < 18 { position += 1 }
        guard position > start, count == nil || position - start == count else { throw failure("malformed \(kind)") }
        return text[start..<position].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    mutating func date(kind: String) throws -> (year: Int, month: Int, day: Int) {
        if text.starts(with: "infinity".utf8) { throw failure("\(kind) too large (after year 10K)") }
        if text.starts(with: "-infinity".utf8) { throw failure("\(kind) too small (before year 1)") }
        let year = try number(kind: kind)
        guard year <= 9999 else { throw failure("\(kind) too large (after year 10K)") }
        try expect(UInt8(ascii: "-"), kind: kind)
        let month = try number(count: 2, kind: kind)
        try expect(UInt8(ascii: "-"), kind: kind)
        let day = try number(count: 2, kind: kind)
        guard year >= 1, (1...12).contains(month), (1...31).contains(day) else { throw failure("malformed \(kind)") }
        return (year, month, day)
    }

    mutating func time() throws -> (hour: Int, minute: Int, second: Int, microsecond: Int) {
        let hour = try number(count: 2, kind: "time")
        try expect(UInt8(ascii: ":"), kind: "time")
        let minute = try number(count: 2, kind: "time")
        try expect(UInt8(ascii: ":"), kind: "time")
        let second = try number(count: 2, kind: "time")
        let microsecond = try fraction()
        guard hour < 24 else { throw failure("time not supported by Python: hour \(hour)") }
        guard minute < 60, second < 60 else { throw failure("malformed time") }
        return (hour, minute, second, microsecond)
    }

    /// ".123" → 123000 microseconds; nothing → 0.
    private mutating func fraction() throws -> Int {
        guard current == UInt8(ascii: ".") else { return 0 }
        position += 1
        let start = position
        let value = try number(kind: "time")
        let digits = position - start
        guard digits <= 6 else { throw failure("malformed time") }
        return value * [1, 100_000, 10_000, 1_000, 100, 10, 1][digits]
    }

    /// "+02", "-03:30", "+05:53:28" → seconds east of UTC.
    mutating func offset() throws -> Int {
        guard let sign = current, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { throw failure("malformed time zone") }
        position += 1
        var seconds = try number(count: 2, kind: "time zone") * 3600
        for scale in [60, 1] where current == UInt8(ascii: ":") {
            position += 1
            seconds += try number(count: 2, kind: "time zone") * scale
        }
        return sign == UInt8(ascii: "-") ? -seconds : seconds
    }

    /// An interval in PostgreSQL's default style ("1 year 2 mons 3 days
    /// 04:05:06.5", "-1 days +02:03:04") as psycopg reads it: a year is
    /// 365 days, a month 30. Days and microseconds apart, as timedelta
    /// keeps them, so nothing Python can hold overflows.
    mutating func interval() throws -> (days: Int, microseconds: Int) {
        var days = 0, microseconds = 0
        while position < text.count {
            if current == UInt8(ascii: " ") { position += 1; continue }
            var negative = false
            if let sign = current, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                negative = sign == UInt8(ascii: "-")
                position += 1
            }
            let value = try number(kind: "interval")
            if current == UInt8(ascii: ":") {
                position += 1
                let minutes = try number(count: 2, kind: "interval")
                try expect(UInt8(ascii: ":"), kind: "interval")
                let seconds = try number(count: 2, kind: "interval")
                let micros = try fraction()
                // Whole days out of the hours first: hours alone may not fit in microseconds.
                days = try checked(days, 1, plus: negative ? -(value / 24) : value / 24)
                let amount = (((value % 24) * 60 + minutes) * 60 + seconds) * 1_000_000 + micros
                microseconds = try checked(microseconds, 1, plus: negative ? -amount : amount)
                continue
            }
            try expect(UInt8(ascii: " "), kind: "interval")
            let start = position
            while let byte = current, byte != UInt8(ascii: " ") { position += 1 }
            let unit: Int
            switch String(decoding: text[start..<position], as: UTF8.self) {
            case "year", "years": unit = 365
            case "mon", "mons": unit = 30
            case "day", "days": unit = 1
            default: throw failure("malformed interval")
            }
            let amount = try checked(value, unit)
            days = try checked(days, 1, plus: negative ? -amount : amount)
        }
        return (days, microseconds)
    }

    /// `a * b + c`, or a failure instead of a trap when it overflows.
    private func checked(_ a: Int, _ b: Int, plus c: Int = 0) throws -> Int {
        let product = a.multipliedReportingOverflow(by: b)
        let sum = product.partialValue.addingReportingOverflow(c)
        guard !product.overflow, !sum.overflow else { throw failure("interval out of Python's timedelta range") }
        return sum.partialValue
    }
}
