import CachalotTestSupport
import Testing
@testable import CachalotKit

/// Rows read from a real SQLite file are the values Django's cursor gets
/// from sqlite3 with Django's converters (bool, date, time, datetime,
/// timestamp by declared type or `[type]` column name); text those
/// converters would read otherwise than cachalot can is refused.
struct SQLiteValueTests {
    let site: TestDatabase<SQLiteFiles>
    let settings: DatabaseSettings

    init() throws {
        site = try TestDatabase("""
        CREATE TABLE reading (flag bool, at datetime, stamp TIMESTAMP NOT NULL DEFAULT '', day date, amount decimal, clock time(6), name text);
        INSERT INTO reading VALUES (1, '2024-02-29 13:45:30.5', '2024-02-29T01:02Z', '2024-02-29', '12.50', '13:45', 'x');
        INSERT INTO reading VALUES (0, NULL, '2024-02-29 01:02:03-05:30', NULL, '3.00', NULL, NULL);
        INSERT INTO reading VALUES (1.5, NULL, '2024-02-29', NULL, NULL, NULL, NULL);
        """)
        settings = site.settings()
    }

    @Test func declaredTypesConvertAsDjangosCursorDoes() throws {
        let rows = try SQLiteDatabase(settings: settings).read("SELECT * FROM reading", parameters: [])
        let westOfUTC = PythonValues.timezone(offsetSeconds: -(5 * 3600 + 30 * 60))
        #expect(rows == [
            [.bool(true), PythonValues.datetime(year: 2024, month: 2, day: 29, hour: 13, minute: 45, second: 30, microsecond: 500_000),
             PythonValues.datetime(year: 2024, month: 2, day: 29, hour: 1, minute: 2, second: 0, microsecond: 0, tzinfo: PythonValues.utc),
             PythonValues.date(year: 2024, month: 2, day: 29), .float(12.5),
             PythonValues.time(hour: 13, minute: 45, second: 0, microsecond: 0), .string("x")],
            [.bool(false), .none,
             PythonValues.datetime(year: 2024, month: 2, day: 29, hour: 1, minute: 2, second: 3, microsecond: 0, tzinfo: westOfUTC),
             .none, .int(3), .none, .none],
            // b"1.5" == b"1" is False; a bare date is its midnight.
            [.bool(false), .none, PythonValues.datetime(year: 2024, month: 2, day: 29, hour: 0, minute: 0, second: 0, microsecond: 0),
             .none, .none, .none, .none],
        ])
    }

    @Test func columnNamesChooseTheConverterFirstAndLoseTheirType() throws {
        let database = try SQLiteDatabase(settings: settings)
        let sql = #"SELECT name AS "n [bogus]", 1 AS "one [Bool]", flag AS "f [text]" FROM reading LIMIT 1"#
        #expect(try database.read(sql, parameters: []) == [[.string("x"), .bool(true), .bool(true)]])
        #expect(try database.analyze(sql, parameters: []).columns == ["n", "one", "f"])
    }

    @Test(arguments: ["2024-02-30", "2024-02-29 13:45:30+0200", "2024-02-29 24:00", "2024-02-29 13:45:30.1234567", "20240229"])
    func anotherDatetimeTextIsRefusedWithExit2(text: String) throws {
        let database = try SQLiteDatabase(settings: settings)
        let error = caughtError { _ = try database.read("SELECT CAST(%s AS text) AS \"t [datetime]\"", parameters: [text]) }
        #expect(error?.exitCode == .usage)
        #expect(error?.message.contains("column \"t\"") == true && error?.message.contains(text) == true)
    }

    @Test func textThatIsNotUTF8IsRefused() throws {
        let error = caughtError { _ = try SQLiteDatabase(settings: settings).read("SELECT CAST(x'ff' AS text)", parameters: []) }
        #expect(error?.exitCode == .usage)
    }

    @Test func anotherDetectTypesIsRefused() throws {
        var options = settings
        options.options["detect_types"] = .int(1)
        let error = caughtError { _ = try SQLiteDatabase(settings: options).read("SELECT 1", parameters: []) }
        #expect(error?.exitCode == .usage && error?.message.contains("detect_types is 1") == true)
        options.options["detect_types"] = .int(3)
        #expect(try SQLiteDatabase(settings: options).read("SELECT 1", parameters: []) == [[.int(1)]])
    }
}
