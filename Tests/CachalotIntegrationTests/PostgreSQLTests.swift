import CachalotTestSupport
import Glibc
import Testing
@testable import CachalotKit

/// PostgreSQLDatabase against a real PostgreSQL server: connecting as
/// Django does, failing clearly, Django's table list, the tables a
/// statement reads, and the values psycopg would return.
struct PostgreSQLTests {
    @Test func tableListIsDjangosIntrospection() throws {
        let site = try TestDatabase<PostgreSQLServer>("""
            CREATE TABLE shop_item (id int PRIMARY KEY);
            CREATE VIEW shop_item_view AS SELECT id FROM shop_item;
            CREATE MATERIALIZED VIEW shop_mv AS SELECT id FROM shop_item;
            CREATE TABLE shop_part (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE shop_part_2024 PARTITION OF shop_part FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            CREATE EXTENSION postgres_fdw;
            CREATE SERVER elsewhere FOREIGN DATA WRAPPER postgres_fdw;
            CREATE FOREIGN TABLE shop_ft (id int) SERVER elsewhere;
            CREATE SCHEMA other;
            CREATE TABLE other.hidden (id int);
            CREATE TABLE "Upper" (id int);
            """)
        let database = try site.open()
        #expect(try database.tableNames() == ["Upper", "shop_ft", "shop_item", "shop_part"])
    }

    @Test func analysisNamesEveryTableAStatementReads() throws {
        let site = try TestDatabase<PostgreSQLServer>("""
            CREATE TABLE shop_category (id int PRIMARY KEY, name text);
            CREATE TABLE shop_item (id int PRIMARY KEY, category_id int REFERENCES shop_category, name text);
            CREATE TABLE shop_many (id int);
            CREATE VIEW shop_item_view AS SELECT i.id, c.name FROM shop_item i JOIN shop_category c ON c.id = i.category_id;
            CREATE TABLE shop_part (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE shop_part_2024 PARTITION OF shop_part FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            CREATE SCHEMA other;
            CREATE TABLE other.hidden (id int);
            """)
        let database = try site.open()
        func reads(_ sql: String, _ parameters: [String] = []) throws -> Set<String> {
            let analysis = try database.analyze(sql, parameters: parameters)
            #expect(analysis.isReadOnly, "\(sql)")
            return Set(analysis.readTables)
        }
        #expect(try reads("SELECT i.name FROM shop_item i JOIN shop_category c ON c.id = i.category_id WHERE i.id = %s", ["1"])
                == ["shop_item", "shop_category"])
        #expect(try reads("SELECT (SELECT count(*) FROM shop_many), name FROM shop_item WHERE category_id IN (SELECT id FROM shop_category)")
                == ["shop_item", "shop_category", "shop_many"])
        #expect(try reads("WITH x AS MATERIALIZED (SELECT id FROM shop_many) SELECT * FROM x") == ["shop_many"])
        // A view: its base tables and its own name (a view-backed model is keyed by it).
        #expect(try reads("SELECT * FROM shop_item_view") == ["shop_item_view", "shop_item", "shop_category"])
        // A partition read alone still brings its parent.
        #expect(try reads("SELECT * FROM shop_part WHERE at = '2024-05-01'") == ["shop_part", "shop_part_2024"])
        // Planner-removed joins and constant-false plans are caught by the text rule.
        #expect(try reads("SELECT i.id FROM shop_item i LEFT JOIN shop_category c ON c.id = i.category_id") == ["shop_item", "shop_category"])
        #expect(try reads("SELECT id FROM shop_many WHERE false") == ["shop_many"])
        #expect(try reads("SELECT id FROM other.hidden") == ["other.hidden"])

        let update = try database.analyze("UPDATE shop_item SET name = %s WHERE id = %s", parameters: ["x", "1"])
        #expect(!update.isReadOnly && update.writtenTables == ["shop_item"] && update.parameterCount == 2)
        let ddl = try database.analyze("DROP TABLE shop_many", parameters: [])
        #expect(!ddl.isReadOnly && ddl.writtenTables == ["shop_many"])
        let mismatch = try database.analyze("SELECT * FROM shop_item WHERE id = %s", parameters: [])
        #expect(mismatch.parameterCount == 1)
        // A plan that fails leaves the tables unknown: never cached.
        #expect(try database.analyze("SELECT 1/0 FROM shop_many", parameters: []).tablesCertain == false)
        #expect(try database.analyze("SELECT id FROM shop_many", parameters: []).qualifiedReadTables == ["public.shop_many"])
    }

    @Test func valuesAreWhatPsycopgReturnsOnADjangoConnection() throws {
        let site = try TestDatabase<PostgreSQLServer>()
        var settings = site.settings()
        let database = try site.open()
        let row = try database.read("""
            SELECT 42, 9000000000::int8, 12.3::numeric(10,2), 1e-20::numeric, 1.5::real, true, 'héllo'::text,
                   '\\xdeadbeef'::bytea, '2024-02-29'::date, '13:45:30.123456'::time, '13:45:30+02'::timetz,
                   '2024-03-10 12:34:56.789'::timestamp, '2024-03-10 12:34:56.789+00'::timestamptz,
                   '1 day 02:03:04.5'::interval, '12345678-1234-5678-1234-567812345678'::uuid,
                   '{"b": [1, 2], "a": 1}'::json, '{"b": [1, 2], "a": 1}'::jsonb, '{1,2,NULL}'::int[], NULL::int,
                   '%%'::text || %s
            """, parameters: ["x"])
        #expect(row.count == 1)
        let expected: [PickleValue] = [
            .int(42), .int(9_000_000_000), PythonValues.decimal("12.30"), PythonValues.decimal("1E-20"), .float(1.5), .bool(true),
            .string("héllo"), .bytes([0xde, 0xad, 0xbe, 0xef]), PythonValues.date(year: 2024, month: 2, day: 29),
            PythonValues.time(hour: 13, minute: 45, second: 30, microsecond: 123_456),
            PythonValues.time(hour: 13, minute: 45, second: 30, microsecond: 0, tzinfo: PythonValues.timezone(offsetSeconds: 7200)),
            PythonValues.datetime(year: 2024, month: 3, day: 10, hour: 12, minute: 34, second: 56, microsecond: 789_000),
            PythonValues.datetime(year: 2024, month: 3, day: 10, hour: 12, minute: 34, second: 56, microsecond: 789_000, tzinfo: PythonValues.utc),
            PythonValues.timedelta(microseconds: (86_400 + 7384) * 1_000_000 + 500_000),
            PythonValues.uuid([0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78]),
            .dict([PickleDictEntry(key: .string("b"), value: .list([.int(1), .int(2)])), PickleDictEntry(key: .string("a"), value: .int(1))]),
            .string(#"{"a": 1, "b": [1, 2]}"#), .list([.int(1), .int(2), .none]), .none, .string("%x"),
        ]
        #expect(row.first == expected)

        // A database TIME_ZONE: the session runs in it and datetimes carry its ZoneInfo.
        settings.clock = DatabaseClock(useTZ: true, timeZone: "UTC", databaseTimeZone: "Europe/Paris")
        let paris = try DatabaseFactory.open(settings).read("SELECT '2024-03-10 12:34:56+00'::timestamptz", parameters: [])
        #expect(paris.first?.first == PythonValues.datetime(year: 2024, month: 3, day: 10, hour: 13, minute: 34, second: 56,
                                                             microsecond: 0, tzinfo: PythonValues.zoneInfo("Europe/Paris")))
        // USE_TZ off: naive, in TIME_ZONE.
        settings.clock = DatabaseClock(useTZ: false, timeZone: "America/New_York", databaseTimeZone: nil)
        let naive = try DatabaseFactory.open(settings).read("SELECT '2024-03-10 12:34:56+00'::timestamptz", parameters: [])
        #expect(naive.first?.first == PythonValues.datetime(year: 2024, month: 3, day: 10, hour: 8, minute: 34, second: 56, microsecond: 0))
        // Intervals at Python's edges, and COPY, which must not spin.
        let extremes = try database.read("SELECT '-106751991 days'::interval, '999999999 days 23:59:59.999999'::interval", parameters: [])
        #expect(extremes.first == [PythonValues.timedelta(days: -106_751_991, microseconds: 0)!,
                                   PythonValues.timedelta(days: 999_999_999, microseconds: 86_399_999_999)!])
        let started = monotonicSeconds()
        let copying = try site.open()
        #expect(caughtError { _ = try copying.read("COPY (SELECT 1) TO STDOUT", parameters: []) }?.message.contains("COPY") == true)
        #expect(monotonicSeconds() - started < 10)
        // What Python cannot hold fails as it fails in Django.
        #expect(caughtError { _ = try database.read("SELECT 'infinity'::date", parameters: []) }?.message.contains("date too large") == true)
    }

    @Test func writesRunInATransaction() throws {
        let site = try TestDatabase<PostgreSQLServer>("CREATE TABLE book (id int PRIMARY KEY, title text); INSERT INTO book VALUES (1, 'Old'), (2, 'Other'); CREATE SEQUENCE counter;")
        let database = try site.open()
        #expect(try database.write("UPDATE book SET title = %s WHERE id = %s", parameters: ["New", "1"]).changedRows == 1)
        #expect(caughtError { _ = try database.write("INSERT INTO book VALUES (3, 'a'), (1, 'duplicate')", parameters: []) } != nil)
        #expect(try site.run("SELECT string_agg(title, ',' ORDER BY id) FROM book") == "New,Other")
        // The read session is read-only: a write that slips past the analysis fails there.
        let message = caughtError { _ = try database.read("SELECT nextval('counter')", parameters: []) }
        #expect(message?.message.contains("read-only transaction") == true)
    }

    /// On the shared server: the role is named after the test's database
    /// (roles are the server's, not a database's).
    @Test func connectsThroughPassfileServiceAndTCP() throws {
        let site = try TestDatabase<PostgreSQLServer>()
        let (server, name, role) = (site.host, site.name, site.name + "_app")
        try site.run("CREATE ROLE \(role) LOGIN PASSWORD 's3cret'; ALTER DATABASE \(name) OWNER TO \(role);")
        // Password in the settings, over TCP (scram-sha-256).
        #expect(try DatabaseFactory.open(server.settings(name: name, user: role, password: "s3cret", tcp: true)).tableNames() == [])
        // ~/.pgpass-style passfile from OPTIONS, no PASSWORD.
        let passfile = try server.directory.write("\(name).pgpass", "127.0.0.1:\(server.port):\(name):\(role):s3cret\n", mode: 0o600)
        #expect(try DatabaseFactory.open(server.settings(name: name, user: role, tcp: true, options: ["passfile": .string(passfile)])).tableNames() == [])
        // A service from pg_service.conf with NAME empty.
        let services = try server.directory.write("\(name).pg_service.conf",
                                                  "[site]\nhost=127.0.0.1\nport=\(server.port)\ndbname=\(name)\nuser=\(role)\npassword=s3cret\n")
        setenv("PGSERVICEFILE", services, 1)
        var service = DatabaseSettings(alias: "default", engine: .postgresql, engineName: "django.db.backends.postgresql", name: "")
        service.options = ["service": .string("site")]
        #expect(try DatabaseFactory.open(service).tableNames() == [])
        // Keys Django consumes never reach libpq (which would refuse them).
        #expect(try site.open(options: ["isolation_level": .int(4), "server_side_binding": .bool(true),
                                        "assume_role": .string(role)]).tableNames() == [])
    }

    /// On a server of its own: it caps a role's connections and stops the server.
    @Test func failuresNameTheProblemAndNeverThePassword() throws {
        let server = try PostgreSQLServer()
        func open(_ settings: DatabaseSettings, timeout: Double? = nil) throws -> Database { try DatabaseFactory.open(settings, timeout: timeout) }
        try server.run("CREATE ROLE app LOGIN PASSWORD 's3cret'; CREATE ROLE capped LOGIN PASSWORD 'x' CONNECTION LIMIT 0;")
        let wrong = caughtError { _ = try open(server.settings(user: "app", password: "not-the-password", tcp: true)) }
        #expect(wrong?.message.contains("password authentication failed") == true)
        #expect(wrong?.description.contains("not-the-password") == false)
        #expect(wrong?.hint?.contains("PASSWORD") == true)
        #expect(caughtError { _ = try open(server.settings(name: "nope")) }?.message.contains("\"nope\" does not exist") == true)
        #expect(caughtError { _ = try open(server.settings(user: "capped", password: "x", tcp: true)) }?.message.contains("too many connections") == true)
        #expect(caughtError { _ = try open(server.settings(tcp: true, options: ["sslmode": .string("require")])) }?.message.contains("SSL") == true)
        #expect(caughtError { _ = try open(server.settings(options: ["bogus": .string("1")])) }?.message.contains("invalid connection option") == true)
        // A statement longer than the timeout is cancelled by the server.
        let slow = try open(server.settings(), timeout: 1)
        let started = monotonicSeconds()
        let slowError = caughtError { _ = try slow.read("SELECT pg_sleep(30)", parameters: []) }?.message ?? ""
        #expect(slowError.contains("statement timeout") || slowError.contains("no answer within"), "\(slowError)")
        #expect(monotonicSeconds() - started < 15)
        server.stop()
        #expect(caughtError { _ = try open(server.settings(tcp: true)) }?.message.contains("Connection refused") == true)
    }

    @Test func aServerThatNeverAnswersFailsByTheDeadline() throws {
        // A listener that accepts and stays silent: libpq would wait forever.
        let listener = try SilentListener()
        var settings = DatabaseSettings(alias: "default", engine: .postgresql, engineName: "django.db.backends.postgresql", name: "x")
        settings.host = "127.0.0.1"
        settings.port = String(listener.port)
        let started = monotonicSeconds()
        let error = caughtError { _ = try DatabaseFactory.open(settings, timeout: 1) }
        #expect(error?.message.contains("no answer") == true)
        #expect(monotonicSeconds() - started < 15)
    }
}
