import CachalotTestSupport
import Glibc
import Testing
@testable import CachalotKit

/// `doctor`'s findings one by one: settings read from TOML, real SQLite
/// databases in a temporary folder, and caches faked through
/// `Backends(openCache:)` so that each check's evidence is exactly what the
/// test says. Each finding is asserted by status, name and the words of its
/// message that carry the diagnosis.
struct DoctorOperationTests {
    static let now = 1_800_000_000.0
    static let address = "redis://127.0.0.1:6379/0"
    static let books = TableKey(databaseAlias: "default", table: "catalogue_books").cachalotKey
    static let authors = TableKey(databaseAlias: "default", table: "library_author").cachalotKey
    static let redis = """
        [CACHES.default]
        BACKEND = "django.core.cache.backends.redis.RedisCache"
        LOCATION = "redis://127.0.0.1:6379/0"
        """
    static let sqlite = """
        [DATABASES.default]
        ENGINE = "django.db.backends.sqlite3"
        NAME = "db.sqlite3"
        """

    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory("cachalot-doctor")
        try makeDatabase("db.sqlite3", tables: ["catalogue_books", "library_author"])
    }

    /// A SQLite file with these (empty) tables: an empty file is an empty database.
    func makeDatabase(_ name: String, tables: [String]) throws {
        let path = try directory.write(name, "")
        let connection = try SQLiteConnection(path: path, writable: true)
        for table in tables { try connection.execute("CREATE TABLE \(table) (id integer PRIMARY KEY)") }
    }

    /// Settings from `cachalot.toml` in the folder, written with `mode`:
    /// top-level `CACHALOT_*` lines, then the caches, then the databases.
    func settings(_ top: String = "", caches: String = redis, databases: String = sqlite, mode: mode_t = 0o600,
                  environment: Environment = [:]) throws -> Settings {
        let text = [top, caches, databases].joined(separator: "\n")
        let path = try directory.write("cachalot.toml", text)
        #expect(chmod(path, mode) == 0)
        return try SettingsLoader.load(SettingsFile(path: path, format: .toml, text: text), environment: environment,
                                       currentDirectory: "/")
    }

    /// Runs doctor with these stores (an alias without one fails to open, as
    /// a cache whose server is down does) at `now`; `database` replaces how
    /// a database is opened.
    func doctor(_ settings: Settings, _ stores: [String: FakeStore], selection: Selection = Selection(),
                database: ((DatabaseSettings) throws -> Database)? = nil) throws -> [DoctorCheck] {
        let backends = Backends(openCache: { cache in
            guard let store = stores[cache.alias] else { throw CachalotError.runtime("Connection refused") }
            return store
        }, openDatabase: database ?? { try DatabaseFactory.open($0) }, now: { Self.now })
        return try DoctorOperation(selection).run(settings: settings, backends: backends)
    }

    /// A Redis cache whose table keys both hold a past time and whose
    /// clock agrees with ours: nothing to say about it.
    static func healthyStore(_ settings: Settings, alias: String = "default") -> FakeStore {
        let store = FakeStore(settings.caches[alias]!)
        store.stored = [books: .time(now - 60), authors: .time(now - 30)]
        store.facts = ServerFacts(serverTime: now, readAt: now)
        return store
    }

    // MARK: - Everything in order

    @Test func aHealthySiteGetsOnlyOKChecks() throws {
        try makeDatabase("reports.sqlite3", tables: ["report_day", "report_week"])
        let settings = try settings(caches: Self.redis + """

            [CACHES.local]
            BACKEND = "django.core.cache.backends.locmem.LocMemCache"
            """, databases: Self.sqlite + """

            [DATABASES.reports]
            ENGINE = "django.db.backends.sqlite3"
            NAME = "reports.sqlite3"
            """)
        let store = Self.healthyStore(settings)
        for table in ["report_day", "report_week"] {
            store.stored[TableKey(databaseAlias: "reports", table: table).cachalotKey] = .time(Self.now - 10)
        }
        store.facts = ServerFacts(serverTime: Self.now - 0.5, readAt: Self.now)
        // A server database with a clock of its own, 0.25 s ahead.
        let checks = try doctor(settings, ["default": store]) { database in
            let real = try DatabaseFactory.open(database)
            guard database.alias == "reports" else { return real }
            return ReportingDatabase(real: real) { DatabaseFacts(version: "15.4", serverTime: Self.now + 0.25) }
        }
        let sqliteVersion = try SQLiteDatabase(settings: settings.databases["default"]!).serverFacts().version
        #expect(sqliteVersion.hasPrefix("SQLite 3."))
        #expect(checks == [
            DoctorCheck(.ok, "settings", "\(settings.path): 2 caches, 2 databases"),
            DoctorCheck(.ok, "CACHALOT_* settings", "no known pitfalls"),
            DoctorCheck(.ok, "cache local", "not checked: locmem cache lives inside each Django process"),
            DoctorCheck(.ok, "database default", "readable, 2 tables"),
            DoctorCheck(.ok, "version default", sqliteVersion),
            DoctorCheck(.ok, "database reports", "readable, 2 tables"),
            DoctorCheck(.ok, "version reports", "15.4"),
            DoctorCheck(.ok, "clock database reports", "now() within 1.0 s of this host (0.25 s)"),
            DoctorCheck(.ok, "cache default", "reachable at \(Self.address), 4 table keys"),
            DoctorCheck(.ok, "clock default", "server time within 1.0 s of this host (-0.5 s)"),
            DoctorCheck(.ok, "future table keys default", "no table key is stamped after this host's clock"),
        ])
    }

    // MARK: - Settings

    @Test func settingsPitfallsAreWarnedOneByOne() throws {
        let settings = try settings("""
            CACHALOT_ENABLED = false
            CACHALOT_UNCACHABLE_TABLES = ["auth_session"]
            CACHALOT_CACHE = "local"
            """, caches: Self.redis + """

            [CACHES.local]
            BACKEND = "django.core.cache.backends.locmem.LocMemCache"
            """)
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)])
        expectCheck(checks, .warn, "CACHALOT_ENABLED", ["false: django-cachalot caches nothing"],
                    fix: "set CACHALOT_ENABLED = true, or remove cachalot")
        expectCheck(checks, .warn, "CACHALOT_UNCACHABLE_TABLES", ["does not contain django_migrations", "cached during migrations"],
                    fix: "add \"django_migrations\" to CACHALOT_UNCACHABLE_TABLES, as django-cachalot's default does")
        expectCheck(checks, .warn, "CACHALOT_CACHE", ["'local' is a locmem cache", "every Django process keeps its own",
                                                      "never invalidates the others", "cachalot cannot reach it"],
                    fix: "point CACHALOT_CACHE at a shared cache (Redis, memcached or file-based)")
        expectAbsent(checks, "CACHALOT_* settings", "settings file")
        // The cache doctor can reach is not CACHALOT_CACHE: no site keys check on it.
        expectAbsent(checks, "site keys default")
    }

    @Test func aDummyCacheAsCachalotCacheIsNamedAsSuch() throws {
        let settings = try settings("CACHALOT_CACHE = \"nothing\"", caches: Self.redis + """

            [CACHES.nothing]
            BACKEND = "django.core.cache.backends.dummy.DummyCache"
            """)
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)])
        expectCheck(checks, .warn, "CACHALOT_CACHE", ["'nothing' is a dummy cache"])
        expectCheck(checks, .ok, "cache nothing", ["not checked: dummy cache lives inside each Django process"])
        expectAbsent(checks, "CACHALOT_ENABLED", "CACHALOT_UNCACHABLE_TABLES", "CACHALOT_* settings")
    }

    @Test func uncachableTablesWithDjangoMigrationsAmongOthersIsFine() throws {
        let settings = try settings("CACHALOT_UNCACHABLE_TABLES = [\"auth_session\", \"django_migrations\"]")
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)])
        expectCheck(checks, .ok, "CACHALOT_* settings", ["no known pitfalls"])
        expectAbsent(checks, "CACHALOT_UNCACHABLE_TABLES")
    }

    /// A password written as it is warns only when others can read the file.
    @Test(arguments: [(0o644 as mode_t, true), (0o640, true), (0o604, true), (0o600, false), (0o400, false)])
    func aLiteralPasswordInAFileOthersCanRead(mode: mode_t, warns: Bool) throws {
        let settings = try settings(caches: Self.redis.replacing("redis://127.0.0.1", with: "redis://:s3cret@127.0.0.1"),
                                    databases: Self.sqlite + "\nPASSWORD = \"hunter2\"", mode: mode)
        #expect(settings.literalSecrets == ["DATABASES.default.PASSWORD", "CACHES.default"])
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)])
        if warns {
            expectCheck(checks, .warn, "settings file",
                        ["\(settings.path) holds a password as it is (DATABASES.default.PASSWORD, CACHES.default)",
                         "other users can read the file"],
                        fix: "write the password as ${VAR} and set VAR in the environment, or chmod 600 \(settings.path)")
            expectAbsent(checks, "CACHALOT_* settings")
        } else {
            expectAbsent(checks, "settings file")
            expectCheck(checks, .ok, "CACHALOT_* settings", ["no known pitfalls"])
        }
    }

    @Test func aPasswordFromTheEnvironmentIsNoSecretInTheFile() throws {
        let settings = try settings(databases: Self.sqlite + "\nPASSWORD = \"${DB_PASSWORD}\"", mode: 0o644,
                                    environment: ["DB_PASSWORD": "hunter2"])
        #expect(settings.databases["default"]?.password == "hunter2")
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)])
        expectAbsent(checks, "settings file")
    }

    // MARK: - Databases

    @Test func aMissingDatabaseFileFailsAndLeavesNoTableToLookFor() throws {
        let settings = try settings(databases: Self.sqlite.replacing("db.sqlite3", with: "missing.sqlite3"))
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)])
        let path = directory.file("missing.sqlite3")
        expectCheck(checks, .fail, "database default", ["database 'default' (\(path))", "no such database file"],
                    fix: "check DATABASES.default (NAME, permissions)")
        expectAbsent(checks, "version default")
        // No table, so no table key: nothing is found, and nothing says the settings are not the site's.
        expectCheck(checks, .ok, "cache default", ["reachable at \(Self.address), 0 table keys"])
        expectAbsent(checks, "site keys default")
        #expect(!FileSystem.exists(path))
    }

    @Test func aDatabaseThatCannotDescribeItselfFails() throws {
        let settings = try settings()
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)]) { database in
            ReportingDatabase(real: try DatabaseFactory.open(database)) { throw CachalotError.runtime("server closed the connection") }
        }
        // The database was read: it is readable; then it failed.
        let named = checks.filter { $0.name == "database default" }
        #expect(named == [DoctorCheck(.ok, "database default", "readable, 2 tables"),
                          DoctorCheck(.fail, "database default", "server closed the connection")])
        expectAbsent(checks, "version default", "clock database default")
    }

    @Test func aServerDjangoWouldRefuseIsWarned() throws {
        let settings = try settings()
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)]) { database in
            ReportingDatabase(real: try DatabaseFactory.open(database)) {
                DatabaseFacts(version: "11.22", unsupported: "Django 5.2 supports PostgreSQL 14 and later")
            }
        }
        expectCheck(checks, .warn, "version default", ["11.22: Django 5.2 supports PostgreSQL 14 and later"],
                    fix: "upgrade the database server")
        expectAbsent(checks, "clock database default")
    }

    @Test(arguments: [(3.0, "3.0 s ahead of"), (-2.5, "2.5 s behind")])
    func aDatabaseClockOffByMoreThanASecondIsWarned(offset: Double, words: String) throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.facts = ServerFacts(serverTime: Self.now + offset, readAt: Self.now)
        let checks = try doctor(settings, ["default": store]) { database in
            ReportingDatabase(real: try DatabaseFactory.open(database)) { DatabaseFacts(version: "16.1", serverTime: Self.now + offset) }
        }
        expectCheck(checks, .warn, "clock database default", ["the database server's clock is \(words) this host's"],
                    fix: "run NTP (chrony, systemd-timesyncd) on the database server and on every Django host")
        // Both servers are off by the same: they agree with each other.
        expectAbsent(checks, "clock default vs database default")
    }

    @Test func aDatabaseClockOneSecondOffIsWithinTolerance() throws {
        let settings = try settings()
        let checks = try doctor(settings, ["default": Self.healthyStore(settings)]) { database in
            ReportingDatabase(real: try DatabaseFactory.open(database)) { DatabaseFacts(version: "16.1", serverTime: Self.now - 1) }
        }
        expectCheck(checks, .ok, "clock database default", ["now() within 1.0 s of this host (-1.0 s)"])
    }

    // MARK: - Reaching the cache

    @Test func aCacheThatCannotBeOpenedFails() throws {
        let settings = try settings()
        let checks = try doctor(settings, [:])
        expectCheck(checks, .fail, "cache default", ["cache 'default': Connection refused"],
                    fix: "check CACHES.default and that its server runs")
        expectAbsent(checks, "clock default", "future table keys default", "site keys default")
    }

    @Test(arguments: [true, false])
    func aCacheThatFailsOnceOpenFailsWithItsAddress(inServerFacts: Bool) throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        if inServerFacts { store.factsFailure = .runtime("NOAUTH Authentication required") } else { store.readFailure = .runtime("NOAUTH Authentication required") }
        let checks = try doctor(settings, ["default": store])
        expectCheck(checks, .fail, "cache default", ["cache 'default' (\(Self.address)): NOAUTH Authentication required"],
                    fix: "check CACHES.default and that its server runs")
        expectAbsent(checks, "clock default", "future table keys default", "site keys default")
    }

    @Test func settingsCachalotCannotHonourStopTheRun() throws {
        let settings = try settings()
        let backends = Backends(openCache: { _ in throw CachalotError.usage("OPTIONS: unknown client class") }, now: { Self.now })
        #expect(throws: CachalotError.self) { try DoctorOperation(Selection()).run(settings: settings, backends: backends) }
    }

    // MARK: - Cache server clocks

    @Test(arguments: [(2.5, "2.5 s ahead of"), (-1.5, "1.5 s behind")])
    func aCacheClockOffByMoreThanASecondIsWarned(offset: Double, words: String) throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.facts = ServerFacts(serverTime: Self.now + 100 + offset, readAt: Self.now + 100)
        let checks = try doctor(settings, ["default": store])
        expectCheck(checks, .warn, "clock default", ["the cache server's clock is \(words) this host's"],
                    fix: "run NTP (chrony, systemd-timesyncd) on every host that writes to this cache")
    }

    @Test func aCacheClockOneSecondOffIsWithinTolerance() throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.facts = ServerFacts(serverTime: Self.now + 1, readAt: Self.now)
        expectCheck(try doctor(settings, ["default": store]), .ok, "clock default", ["server time within 1.0 s of this host (1.0 s)"])
    }

    @Test func aCacheWithoutAClockHasNoClockCheck() throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.facts = ServerFacts()
        expectAbsent(try doctor(settings, ["default": store]), "clock default")
    }

    /// Each within a second of this host, but 1.6 s apart.
    @Test func cacheAndDatabaseClocksThatDisagreeAreWarned() throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.facts = ServerFacts(serverTime: Self.now - 0.8, readAt: Self.now)
        let checks = try doctor(settings, ["default": store]) { database in
            ReportingDatabase(real: try DatabaseFactory.open(database)) { DatabaseFacts(version: "16.1", serverTime: Self.now + 0.8) }
        }
        expectCheck(checks, .ok, "clock default", ["(-0.8 s)"])
        expectCheck(checks, .ok, "clock database default", ["(0.8 s)"])
        expectCheck(checks, .warn, "clock default vs database default",
                    ["the cache server's and the database server's clocks differ by 1.6 s"], fix: "run NTP on both servers")
    }

    /// memcached: each server of the pool on its own, its whole-second clock
    /// allowed one more second; a server down is a failure of its own.
    @Test func aPoolIsCheckedServerByServer() throws {
        let settings = try settings(caches: """
            [CACHES.default]
            BACKEND = "django.core.cache.backends.memcached.PyMemcacheCache"
            LOCATION = ["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"]
            """)
        let store = Self.healthyStore(settings)
        store.address = "127.0.0.1:11211,127.0.0.1:11212,127.0.0.1:11213"
        var close = ServerFacts(serverTime: Self.now + 1.5, readAt: Self.now)
        close.clockResolution = 1
        var far = ServerFacts(serverTime: Self.now - 3, readAt: Self.now)
        far.clockResolution = 1
        store.facts = ServerFacts(info: [("memcached_version", "1.6.21")])
        store.facts.members = [("127.0.0.1:11211", close), ("127.0.0.1:11212", far)]
        store.facts.unreachable = [("127.0.0.1:11213", "Connection refused")]
        let checks = try doctor(settings, ["default": store])
        expectCheck(checks, .ok, "clock default 127.0.0.1:11211", ["server time within 2.0 s of this host (1.5 s)"])
        expectCheck(checks, .warn, "clock default 127.0.0.1:11212", ["the cache server's clock is 3.0 s behind this host's"])
        expectCheck(checks, .fail, "cache default 127.0.0.1:11213",
                    ["Connection refused: the keys that hash to it cannot be stamped", "pymemcache sends them to another server"],
                    fix: "start the server, or take it out of LOCATION on every Django host at once")
        expectAbsent(checks, "clock default")
        expectCheck(checks, .ok, "cache default", ["2 table keys"])
    }

    @Test func aRedisReplicaDownIsAFailureOfItsOwn() throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.facts.unreachable = [("redis://127.0.0.1:6380/0", "Connection refused")]
        expectCheck(try doctor(settings, ["default": store]), .fail, "cache default redis://127.0.0.1:6380/0",
                    ["Connection refused: the site sends reads to this replica, and cachalot cannot check what it holds"])
    }

    // MARK: - Memory

    @Test(arguments: ["noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
    func aRedisPolicyThatKeepsPersistentKeysIsWarned(policy: String) throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.facts.info = [("maxmemory", "1000000"), ("maxmemory_policy", policy)]
        expectCheck(try doctor(settings, ["default": store]), .warn, "redis memory default",
                    ["maxmemory is 1000000 bytes with policy \(policy)", "never evicts keys without an expiry",
                     "CACHALOT_TIMEOUT is None", "until Redis refuses writes with OOM (2 table keys now)"],
                    fix: "set CACHALOT_TIMEOUT (e.g. 86400), or maxmemory-policy allkeys-lru")
    }

    @Test(arguments: [
        ("", [("maxmemory", "1000000"), ("maxmemory_policy", "allkeys-lru")]),
        ("", [("maxmemory", "0"), ("maxmemory_policy", "noeviction")]),
        ("", [("maxmemory_policy", "noeviction")]),
        ("CACHALOT_TIMEOUT = 86400", [("maxmemory", "1000000"), ("maxmemory_policy", "noeviction")]),
    ] as [(String, [(String, String)])])
    func redisMemoryWithoutThePitfallIsNotWarned(top: String, info: [(String, String)]) throws {
        let settings = try settings(top)
        let store = Self.healthyStore(settings)
        store.facts.info = info.map { (name: $0.0, value: $0.1) }
        expectAbsent(try doctor(settings, ["default": store]), "redis memory default")
    }

    @Test(arguments: [("", "7", true), ("", "0", false), ("CACHALOT_TIMEOUT = 3600", "7", false)])
    func memcachedEvictionsWithPersistentKeysAreWarned(top: String, evictions: String, warns: Bool) throws {
        let settings = try settings(top)
        let store = Self.healthyStore(settings)
        store.facts.info = [("evictions", evictions)]
        let checks = try doctor(settings, ["default": store])
        if warns {
            expectCheck(checks, .warn, "memcached memory default",
                        ["memcached evicted 7 items while CACHALOT_TIMEOUT is None", "an evicted table key makes Django run its queries again"],
                        fix: "give memcached more memory (-m), or set CACHALOT_TIMEOUT")
        } else {
            expectAbsent(checks, "memcached memory default")
        }
    }

    @Test(arguments: [("524288", true), ("524287", false)])
    func itemsNearMemcachedsSizeLimitAreWarned(largest: String, warns: Bool) throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.facts.info = [("item_size_max", "1048576"), ("largest_chunk_in_use", largest)]
        let checks = try doctor(settings, ["default": store])
        if warns {
            expectCheck(checks, .warn, "memcached item size default",
                        ["items of up to 524288 bytes are stored, at least half of the item size limit (1048576 bytes)",
                         "silently not cached", "error 37"],
                        fix: "raise memcached's -I, or keep large querysets out of the cache (CACHALOT_UNCACHABLE_TABLES)")
        } else {
            expectAbsent(checks, "memcached item size default")
        }
    }

    // MARK: - Table keys

    @Test func tableKeysStampedInTheFutureAreWarnedLatestFirst() throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.stored = [Self.books: .time(Self.now + 30.5), Self.authors: .time(Self.now + 120)]
        let checks = try doctor(settings, ["default": store])
        let future = checks.filter { $0.name == "future table key default" }
        #expect(future.map(\.status) == [.warn, .warn])
        #expect(future.map(\.message) == [
            "table library_author (database 'default') is stamped 120.0 s in the future: a server writing to this cache has its clock ahead, and queries cached by slower clocks look fresh until then",
            "table catalogue_books (database 'default') is stamped 30.5 s in the future: a server writing to this cache has its clock ahead, and queries cached by slower clocks look fresh until then",
        ])
        #expect(future.first?.fix == "sync the clocks of every Django server (NTP); then run cachalot invalidate library_author -c default once the time has passed")
        expectAbsent(checks, "future table keys default")
    }

    @Test func aTableKeyStampedAtThisVeryInstantIsNotInTheFuture() throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.stored[Self.authors] = .time(Self.now)
        let checks = try doctor(settings, ["default": store])
        expectCheck(checks, .ok, "future table keys default", ["no table key is stamped after this host's clock"])
        expectAbsent(checks, "future table key default")
    }

    @Test func aTableKeyThatIsNoTimestampIsWarned() throws {
        let settings = try settings()
        let store = Self.healthyStore(settings)
        store.stored[Self.books] = .unreadable("an empty file")
        let checks = try doctor(settings, ["default": store])
        expectCheck(checks, .ok, "cache default", ["reachable at \(Self.address), 1 table key"])
        expectCheck(checks, .warn, "unreadable table key default",
                    ["table catalogue_books (database 'default') holds an empty file, not a timestamp", "Django treats it as missing or fails to read it"],
                    fix: "cachalot invalidate catalogue_books -c default overwrites it")
        // A table key that is no timestamp is still the site's: no doubt about the settings.
        store.stored[Self.authors] = .unreadable("a list")
        let unreadableOnly = try doctor(settings, ["default": store])
        #expect(unreadableOnly.filter { $0.name == "unreadable table key default" }.count == 2)
        expectAbsent(unreadableOnly, "site keys default")
    }

    // MARK: - The site's keys

    /// No table key under the settings' prefix, found only under another:
    /// the prefix that holds most of them is named.
    @Test func theSitesKeysUnderAnotherPrefixFail() throws {
        let settings = try settings()
        let store = ListingStore(settings.caches["default"]!)
        store.keyNames = ["site:2:" + Self.books, "site:2:" + Self.authors, "old:1:" + Self.books, ":1:sessions", "x"]
        let checks = try doctor(settings, ["default": store])
        expectCheck(checks, .ok, "cache default", ["0 table keys"])
        expectCheck(checks, .fail, "site keys default",
                    ["none of this site's table keys is under \":1:\", the settings' KEY_PREFIX and VERSION, but 2 are under \"site:2:\"",
                     "cachalot writes where Django never reads"],
                    fix: "compare LOCATION, KEY_PREFIX and VERSION with the site's CACHES, or export the settings again (README)")
    }

    /// Query entries without any table key: django-cachalot sets a query's
    /// table keys when it caches it, so these settings are not the site's,
    /// unless table keys may have expired or another database's were not looked for.
    @Test(arguments: [
        ("", nil, DoctorCheck.Status.fail, false),
        ("CACHALOT_TIMEOUT = 3600", nil, .warn, true),
        ("", "default", .warn, true),
    ] as [(String, String?, DoctorCheck.Status, Bool)])
    func queryEntriesWithoutTableKeys(top: String, databaseAlias: String?, status: DoctorCheck.Status, hedged: Bool) throws {
        let settings = try settings(top)
        for listing in [false, true] {
            let store = listing ? ListingStore(settings.caches["default"]!) : FakeStore(settings.caches["default"]!)
            store.entries = [try Self.entry(":1:q1", .tuple([.float(Self.now - 5), .list([.tuple([.int(1)])])])),
                             try Self.entry(":1:q2", .tuple([.float(Self.now - 4), .list([])])),
                             try Self.entry(":1:session", .string("not a query"))]
            let checks = try doctor(settings, ["default": store], selection: Selection(databaseAlias: databaseAlias))
            let site = try #require(checks.first { $0.name == "site keys default" })
            #expect(site.status == status)
            #expect(site.message.hasPrefix("the cache holds 2 django-cachalot query entries but none of this site's table keys: KEY_PREFIX, VERSION or the database aliases may differ from the site's"))
            #expect(site.message.hasSuffix(" (or the table keys expired: CACHALOT_TIMEOUT, or another database's entries: -d)") == hedged)
        }
    }

    @Test func anEmptyCacheIsWarned() throws {
        let settings = try settings()
        expectCheck(try doctor(settings, ["default": ListingStore(settings.caches["default"]!)]), .warn, "site keys default",
                    ["the cache holds no entry at all: a fresh cache, or not the one the site uses"],
                    fix: "compare LOCATION, KEY_PREFIX and VERSION with the site's CACHES, or export the settings again (README)")
    }

    @Test func entriesThatAreNoQueriesAreWarned() throws {
        let settings = try settings()
        let store = FakeStore(settings.caches["default"]!)
        store.entries = [try Self.entry(":1:session", .string("not a query")), try Self.entry(":1:count", .int(3))]
        expectCheck(try doctor(settings, ["default": store]), .warn, "site keys default",
                    ["no table key of this site yet: a fresh cache, or not the one the site uses"])
    }

    @Test(arguments: [true, false])
    func keysThatCannotBeLookedForAreWarned(inListing: Bool) throws {
        let settings = try settings()
        let store = ListingStore(settings.caches["default"]!)
        if inListing { store.listingFailure = .runtime("SCAN refused") } else { store.scanFailure = .runtime("SCAN refused") }
        expectCheck(try doctor(settings, ["default": store]), .warn, "site keys default",
                    ["cannot look for the site's keys: SCAN refused"], fix: .some(nil))
    }

    /// The server stopping during the look (it no longer answers INFO
    /// either) is the cache down, not a warning: doctor exits 1.
    @Test func aCacheThatStopsAnsweringDuringTheLookFails() throws {
        let settings = try settings()
        let store = ListingStore(settings.caches["default"]!)
        store.scanFailure = .runtime("the server closed the connection")
        store.factsFailureAfterScan = .runtime("connection refused")
        expectCheck(try doctor(settings, ["default": store]), .fail, "site keys default",
                    ["the cache stopped answering while its keys were read: the server closed the connection (then: connection refused)"],
                    fix: .some("start the cache server, or check the network to it"))
    }

    /// django-cachalot keeps its entries in CACHALOT_CACHE only: another
    /// cache without table keys is no sign of wrong settings.
    @Test func onlyCachalotCacheIsLookedAtForTheSitesKeys() throws {
        let settings = try settings(caches: Self.redis + """

            [CACHES.other]
            BACKEND = "django.core.cache.backends.redis.RedisCache"
            LOCATION = "redis://127.0.0.1:6379/1"
            """)
        let checks = try doctor(settings, ["default": FakeStore(settings.caches["default"]!), "other": FakeStore(settings.caches["other"]!)])
        expectCheck(checks, .warn, "site keys default", ["the cache holds no entry at all"])
        expectCheck(checks, .ok, "cache other", ["0 table keys"])
        expectAbsent(checks, "site keys other")
    }

    @Test func aDatabaseWithoutTablesHasNoKeysToLookFor() throws {
        try makeDatabase("empty.sqlite3", tables: [])
        let settings = try settings(databases: Self.sqlite.replacing("db.sqlite3", with: "empty.sqlite3"))
        let checks = try doctor(settings, ["default": FakeStore(settings.caches["default"]!)])
        expectCheck(checks, .ok, "database default", ["readable, 0 tables"])
        expectAbsent(checks, "site keys default")
    }

    static func entry(_ name: String, _ value: PickleValue) throws -> CacheEntry {
        let bytes = try PickleWriter.dumps(value, protocol: 5)
        return CacheEntry(name: name, value: bytes, size: bytes.count)
    }
}

// MARK: - Assertions

/// The one check named `name` has this status, holds each of `words` in
/// its message and, when `fix` is given, this fix (`.some(nil)`: none).
private func expectCheck(_ checks: [DoctorCheck], _ status: DoctorCheck.Status, _ name: String, _ words: [String],
                 fix: String?? = .none, sourceLocation: SourceLocation = #_sourceLocation) {
    let named = checks.filter { $0.name == name }
    guard named.count == 1, let check = named.first else {
        Issue.record("\(named.count) checks named \(quoted(name)) in:\n\(checks.map { "\($0.status.rawValue) \($0.name): \($0.message)" }.joined(separator: "\n"))",
                     sourceLocation: sourceLocation)
        return
    }
    #expect(check.status == status, "\(check)", sourceLocation: sourceLocation)
    for word in words {
        #expect(check.message.contains(word), "\(quoted(word, limit: 200)) not in \(quoted(check.message, limit: 400))", sourceLocation: sourceLocation)
    }
    if case .some(let fix) = fix {
        #expect(check.fix == fix, sourceLocation: sourceLocation)
    }
}

/// No check has any of these names.
private func expectAbsent(_ checks: [DoctorCheck], _ names: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    for name in names {
        let found = checks.filter { $0.name == name }
        #expect(found.isEmpty, "unexpected \(found)", sourceLocation: sourceLocation)
    }
}

// MARK: - Fakes

extension DoctorOperationTests {

    /// A cache whose table keys, entries and server facts the test sets.
    /// Doctor never writes: a write is recorded as an issue.
    class FakeStore: CacheStore {
        let settings: CacheSettings
        var address = DoctorOperationTests.address
        /// By cachalot key.
        var stored: [String: StoredTimestamp] = [:]
        var entries: [CacheEntry] = []
        var facts = ServerFacts()
        var factsFailure: CachalotError?
        var readFailure: CachalotError?
        var scanFailure: CachalotError?
        /// Thrown by serverFacts once a scan has been tried (a server that died meanwhile).
        var factsFailureAfterScan: CachalotError?
        var scanned = false

        init(_ settings: CacheSettings) { self.settings = settings }

        var keyMaker: DjangoKeyMaker { DjangoKeyMaker(settings) }

        func inspectTimestamps(made keys: [String]) throws -> [String: StoredTimestamp] {
            if let readFailure { throw readFailure }
            let byMade = Dictionary(uniqueKeysWithValues: stored.map { (keyMaker.makeKey($0.key), $0.value) })
            return byMade.filter { keys.contains($0.key) }
        }

        func stampTables(made keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome {
            Issue.record("doctor stamped \(keys)")
            return StampOutcome()
        }

        func readValues(_ keys: [String]) throws -> [String: PickleValue] { [:] }

        func writeValues(_ values: [String: PickleValue], timeout: Double?) throws {
            Issue.record("doctor wrote \(values.keys)")
        }

        func entryName(forKey key: String) -> String { DjangoKeyMaker(settings).makeKey(key) }

        func scan(lastRead: Bool, _ visit: (CacheEntry) throws -> Void) throws {
            scanned = true
            if let scanFailure { throw scanFailure }
            for entry in entries { try visit(entry) }
        }

        func pickleBytes(of entry: CacheEntry) throws -> [UInt8]? { entry.value }

        func outline(of entry: CacheEntry) throws -> PickleOutline? { PickleOutline(entry.value) }

        func lastReadSource() -> LastReadSource { LastReadSource(method: "none", scanResetsIt: false) }

        func serverFacts() throws -> ServerFacts {
            if let factsFailure { throw factsFailure }
            if scanned, let factsFailureAfterScan { throw factsFailureAfterScan }
            return facts
        }
    }

    /// A fake cache that can list every key name it holds, as Redis and
    /// memcached stores can.
    final class ListingStore: FakeStore, KeyNameListing {
        var keyNames: [String] = []
        var listingFailure: CachalotError?

        func listKeyNames(_ visit: (String) throws -> Void) throws {
            if let listingFailure { throw listingFailure }
            for name in keyNames { try visit(name) }
        }
    }

    /// A real database whose server facts the test sets: SQLite has no clock
    /// of its own, and Django supports every SQLite cachalot links.
    struct ReportingDatabase: Database {
        let real: Database
        let facts: () throws -> DatabaseFacts

        var settings: DatabaseSettings { real.settings }
        func tableNames(includingViews: Bool) throws -> [String] { try real.tableNames(includingViews: includingViews) }
        func contentTypes() throws -> [ContentType] { try real.contentTypes() }
        func analyze(_ sql: String, parameters: [String]) throws -> StatementAnalysis { try real.analyze(sql, parameters: parameters) }
        func read(_ sql: String, parameters: [String]) throws -> [[PickleValue]] { try real.read(sql, parameters: parameters) }
        func write(_ sql: String, parameters: [String]) throws -> WriteOutcome { try real.write(sql, parameters: parameters) }
        func serverFacts() throws -> DatabaseFacts { try facts() }
    }
}
