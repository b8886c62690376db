import CMariaDB
import Testing
@testable import CachalotKit

/// MySQL TIME values as a Django connection reads them: mysqlclient hands
/// the text to Django's typecast_time, which reads each part with int().
/// Each outcome checked with Django 5.2 and mysqlclient 2.2 on MariaDB
/// (`SELECT CAST(%s AS TIME(6))` with django_conversions).
struct MySQLValueDecoderTests {
    static func time(_ text: String) throws -> PickleValue {
        try MySQLValueDecoder.decode(Array(text.utf8), field: MySQLConnection.Field(name: "t", type: MYSQL_TYPE_TIME, flags: 0, charset: 63),
                                     codec: .utf8)
    }

    @Test(arguments: [
        ("12:34:56", 12, 34, 56, 0), ("12:34:56.5", 12, 34, 56, 500_000), ("00:00:00.000001", 0, 0, 0, 1),
        ("23:59:59.999999", 23, 59, 59, 999_999), ("12:34:56.", 12, 34, 56, 0),
        // int("-00") is 0: a negative time under an hour reads as its absolute value.
        ("-00:00:01", 0, 0, 1, 0), ("-00:30:00.25", 0, 30, 0, 250_000),
    ] as [(String, Int, Int, Int, Int)])
    func timesDjangoReads(text: String, hour: Int, minute: Int, second: Int, microsecond: Int) throws {
        #expect(try Self.time(text) == PythonValues.time(hour: hour, minute: minute, second: second, microsecond: microsecond))
    }

    /// Django raises ValueError ("hour must be in 0..23") on these; the query fails.
    @Test(arguments: ["-01:00:00", "-838:59:59", "838:59:59", "24:00:00"])
    func timesDjangoFailsOn(text: String) {
        #expect(throws: MySQLValueDecoder.Failure.self) { try Self.time(text) }
    }

    /// No server sends these, but they must fail, not trap (a negative fraction
    /// once reached UInt8(negative)) or read as a time Python would refuse.
    @Test(arguments: ["12:34:56.-5", "12:34:56.1.2", "12:34", "12:34:56:00", "12:xx:56", "12:34:56.x"])
    func malformedTimesFail(text: String) {
        #expect(throws: MySQLValueDecoder.Failure.self) { try Self.time(text) }
    }
}
