import CachalotTestSupport
import Testing
@testable import CachalotKit

/// MySQLDatabase against a real MariaDB server: connecting as Django does,
/// failing clearly, Django's table list, the tables a statement reads, and
/// the values mysqlclient returns on a Django connection.
struct MySQLTests {
    @Test func tablesReadAndTheTableList() throws {
        let site = try TestDatabase<MariaDBServer>("""
            CREATE TABLE shop_category (id int PRIMARY KEY, name text);
            CREATE TABLE shop_item (id int PRIMARY KEY, category_id int, name text);
            CREATE TABLE shop_many (id int);
            CREATE TABLE MixedCase (id int);
            CREATE VIEW shop_item_view AS SELECT i.id, c.name FROM shop_item i JOIN shop_category c ON c.id = i.category_id;
            CREATE VIEW shop_outer_view AS SELECT * FROM shop_item_view;
            """)
        let database = try site.open()
        #expect(try database.tableNames() == ["MixedCase", "shop_category", "shop_item", "shop_many"])
        func reads(_ sql: String, _ parameters: [String] = []) throws -> Set<String> {
            let analysis = try database.analyze(sql, parameters: parameters)
            #expect(analysis.isReadOnly, "\(sql)")
            return Set(analysis.readTables)
        }
        #expect(try reads("SELECT i.name FROM shop_item i JOIN shop_category c ON c.id = i.category_id WHERE i.id = %s", ["1"])
                == ["shop_item", "shop_category"])
        #expect(try reads("SELECT (SELECT count(*) FROM shop_many), name FROM shop_item WHERE category_id IN (SELECT id FROM shop_category)")
                == ["shop_item", "shop_category", "shop_many"])
        #expect(try reads("SELECT d.n FROM (SELECT name AS n FROM shop_item) d") == ["shop_item"])
        // A view brings its base tables, a view of a view too.
        #expect(try reads("SELECT * FROM shop_outer_view") == ["shop_outer_view", "shop_item_view", "shop_item", "shop_category"])
        let update = try database.analyze("UPDATE shop_item SET name = %s WHERE id = %s", parameters: ["it's", "1"])
        #expect(!update.isReadOnly && update.writtenTables == ["shop_item"] && update.parameterCount == 2)
        #expect(try database.analyze("SELECT * FROM shop_item WHERE id = %s", parameters: []).parameterCount == 1)
        #expect(caughtError { _ = try database.analyze("SELECT 1; SELECT 2", parameters: []) }?.exitCode == .usage)
    }

    /// VERSIONS.django: before 5.2 Django connects with charset "utf8"
    /// (utf8mb3, where '😀' reads back as '?'), and each Django has its own
    /// oldest supported server.
    @Test func theSitesDjangoPicksTheCharsetAndTheServerFloor() throws {
        var settings = try TestDatabase<MariaDBServer>().settings()
        #expect(try DatabaseFactory.open(settings).read("SELECT @@character_set_client", parameters: []) == [[.string("utf8mb4")]])
        #expect(try DatabaseFactory.open(settings).serverFacts().unsupported == nil, "MariaDB 10.11 is what Django 6.1 needs")
        settings.siteVersions.django = [4, 2]
        #expect(try DatabaseFactory.open(settings).read("SELECT @@character_set_client", parameters: []) == [[.string("utf8mb3")]])
        #expect(settings.siteVersions.databaseFloor("postgresql").version == [12])
        settings.siteVersions.django = [6, 1, 3]
        #expect(settings.siteVersions.databaseFloor("mysql") == ([8, 4], "Django 6.1"))
        settings.siteVersions.django = nil
        #expect(settings.siteVersions.databaseFloor("postgresql").django.contains("VERSIONS.django is not set"))
    }

    /// On a server of its own: it changes the server's sql_mode.
    @Test func valuesAreWhatMysqlclientReturnsOnADjangoConnection() throws {
        let site = try TestDatabase<MariaDBServer>(ownHost: true)
        let database = try site.open()
        let row = try database.read("""
            SELECT 42, CAST(1 AS UNSIGNED), 18446744073709551615, 12345678.90, 0.0000001, 1e0, 'héllo ☃', _binary'ab',
                   CAST('2024-02-29' AS DATE), CAST('2024-03-10 08:30:15.12' AS DATETIME(6)), CAST('-00:00:01' AS TIME), NULL, %s
            """, parameters: ["it's \"q\" \\ é"])
        #expect(row.first == [
            .int(42), .int(1), PythonValues.integer(decimal: "18446744073709551615")!, PythonValues.decimal("12345678.90"),
            PythonValues.decimal("1E-7"), .float(1), .string("héllo ☃"), .bytes(Array("ab".utf8)),
            PythonValues.date(year: 2024, month: 2, day: 29),
            PythonValues.datetime(year: 2024, month: 3, day: 10, hour: 8, minute: 30, second: 15, microsecond: 120_000),
            PythonValues.time(hour: 0, minute: 0, second: 1, microsecond: 0), .none, .string("it's \"q\" \\ é"),
        ])
        // Zero dates are None; a time Python cannot hold fails as in Django.
        try site.run("SET GLOBAL sql_mode = ''")
        let zero = try site.open().read("SELECT CAST('0000-00-00' AS DATE), CAST('2024-00-10 00:00:00' AS DATETIME)", parameters: [])
        #expect(zero.first == [.none, .none])
        #expect(caughtError { _ = try database.read("SELECT CAST('25:00:00' AS TIME)", parameters: []) }?.message.contains("hour") == true)
    }

    @Test func writesRunInATransactionAndReadsCannotWrite() throws {
        let site = try TestDatabase<MariaDBServer>("CREATE TABLE book (id int PRIMARY KEY, title text); INSERT INTO book VALUES (1, 'Old'), (2, 'Other');")
        let database = try site.open()
        #expect(try database.write("UPDATE book SET title = %s WHERE id = %s", parameters: ["New", "1"]).changedRows == 1)
        #expect(caughtError { _ = try database.write("INSERT INTO book VALUES (3, 'a'), (1, 'duplicate')", parameters: []) } != nil)
        #expect(try site.run("SELECT group_concat(title ORDER BY id) FROM book") == "New,Other")
        // Reads run in READ ONLY transactions: a write slipping past the analysis fails.
        let readOnly = caughtError { _ = try database.read("INSERT INTO book VALUES (9, 'x')", parameters: []) }
        #expect(readOnly?.message.contains("READ ONLY") == true, "\(String(describing: readOnly))")
        let made = try database.write("CREATE TABLE made_by_cli (id int)", parameters: [])
        #expect(made.laterTables == ["made_by_cli"])
    }

    /// On a server of its own, with its `site` database and user: it stops the server.
    @Test func connectionFormsAndFailures() throws {
        let server = try MariaDBServer()
        func open(_ settings: DatabaseSettings, timeout: Double? = nil) throws -> Database { try DatabaseFactory.open(settings, timeout: timeout) }
        // The unix socket as HOST, and an option file with the password.
        var socket = server.settings(user: "root", password: "")
        socket.host = server.socketPath
        socket.port = ""
        #expect(try open(socket).tableNames() == [])
        let optionFile = try server.directory.write("my.cnf", "[client]\nuser=site\npassword=site-pass\n", mode: 0o600)
        #expect(try open(server.settings(user: "", password: "", options: ["read_default_file": .string(optionFile)])).tableNames() == [])
        // Failures name the problem and never the password.
        let wrong = caughtError { _ = try open(server.settings(password: "not-the-password")) }
        #expect(wrong?.message.contains("Access denied") == true && wrong?.description.contains("not-the-password") == false)
        #expect(caughtError { _ = try open(server.settings(name: "nope")) }?.message.contains("nope") == true)
        #expect(caughtError { _ = try open(server.settings(options: ["ssl_mode": .string("VERIFY_CA")])) }?.message.contains("SSL") == true)
        #expect(caughtError { _ = try open(server.settings(options: ["isolation_level": .string("chaos")])) }?.exitCode == .usage)
        let slow = try open(server.settings(), timeout: 1)
        let started = monotonicSeconds()
        #expect(caughtError { _ = try slow.read("SELECT SLEEP(20)", parameters: []) } != nil)
        #expect(monotonicSeconds() - started < 15)
        server.stop()
        #expect(caughtError { _ = try open(server.settings()) }?.message.contains("Can't connect") == true)
    }

    @Test func aServerThatNeverAnswersFailsByTheTimeout() throws {
        let listener = try SilentListener()
        var settings = DatabaseSettings(alias: "default", engine: .mysql, engineName: "django.db.backends.mysql", name: "x")
        settings.host = "127.0.0.1"
        settings.port = String(listener.port)
        let started = monotonicSeconds()
        #expect(caughtError { _ = try DatabaseFactory.open(settings, timeout: 1) } != nil)
        #expect(monotonicSeconds() - started < 15)
    }
}
