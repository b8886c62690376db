import CachalotTestSupport
import Testing
@testable import CachalotKit

/// invalidate and last-invalidation over a real SQLite file (made by the
/// sqlite3 shell from example/schema.sql) and real cache directories.
struct FileCacheSQLiteTests {
    let directory: TemporaryDirectory
    let settings: Settings

    init() throws {
        directory = try TemporaryDirectory("cachalot-it")
        let root = PathText.directory(of: PathText.directory(of: PathText.directory(of: #filePath)))
        let sqlite3 = try #require(ChildProcess.locate("sqlite3"), "the sqlite3 shell is not installed (make test installs it)")
        try #require(try ChildProcess.run([sqlite3, directory.file("db.sqlite3")], input: root + "/example/schema.sql") == 0,
                     "sqlite3 could not build the example database")
        // "broken" points below a regular file: no directory can be made there.
        try directory.write("not-a-dir", "")
        let text = """
        CACHALOT_TIMEOUT = 3600
        [CACHES.default]
        BACKEND = "django.core.cache.backends.filebased.FileBasedCache"
        LOCATION = "cache-a"
        [CACHES.second]
        BACKEND = "django.core.cache.backends.filebased.FileBasedCache"
        LOCATION = "cache-b"
        KEY_PREFIX = "site"
        VERSION = 2
        [CACHES.broken]
        BACKEND = "django.core.cache.backends.filebased.FileBasedCache"
        LOCATION = "not-a-dir/cache"
        [CACHES.local]
        BACKEND = "django.core.cache.backends.locmem.LocMemCache"
        [DATABASES.default]
        ENGINE = "django.db.backends.sqlite3"
        NAME = "db.sqlite3"
        [MODELS]
        "auth.User" = "auth_user"
        "auth.User_groups" = "auth_user_groups"
        "auth.Group" = "auth_group"
        "library.Author" = "library_author"
        "library.Book" = "catalogue_books"
        "library.Book_authors" = "catalogue_books_authors"
        """
        settings = try SettingsLoader.load(SettingsFile(path: directory.file("cachalot.toml"), format: .toml, text: text),
                                           environment: [:], currentDirectory: "/")
    }

    func store(_ alias: String) -> FileBasedCacheStore {
        FileBasedCacheStore(settings: settings.caches[alias]!, clock: SystemClock.now)
    }

    func backends(at now: Double) -> Backends { Backends(now: { now }) }

    @Test func invalidateWritesEveryReachableCacheAndReportsTheBrokenOne() throws {
        let report = try InvalidateOperation(Selection(labels: ["library"])).run(settings: settings, backends: backends(at: 1_800_000_000.5))
        #expect(!report.succeeded)
        #expect(report.skippedCaches.map(\.alias) == ["local"])
        #expect(report.results.map(\.cacheAlias) == ["default", "second"])
        let broken = try #require(report.failures.first)
        #expect(report.failures.count == 1)
        #expect(broken.target == .cache("broken", at: directory.file("not-a-dir/cache")))
        #expect(broken.description.contains("cannot create the folder"))
        for alias in ["default", "second"] {
            let key = TableKey(databaseAlias: "default", table: "catalogue_books_authors").cachalotKey
            #expect(try store(alias).readTimestamps([key]) == [key: 1_800_000_000.5])
        }
        let names = try #require(try FileSystem.list(directory.file("cache-b")))
        #expect(names.count == 3)
        #expect(names.contains(Hashing.md5Hex("site:2:" + TableKey(databaseAlias: "default", table: "library_author").cachalotKey) + ".djcache"))
    }

    @Test func neverMovesATableKeyBackwards() throws {
        let key = TableKey(databaseAlias: "default", table: "auth_user").cachalotKey
        _ = try store("default").stampTables([key], at: 2_000_000_000, timeout: nil)
        let report = try InvalidateOperation(Selection(labels: ["auth.User"], cacheAlias: "default"))
            .run(settings: settings, backends: backends(at: 1_900_000_000))
        #expect(report.results.first?.keptNewer.map(\.table) == ["auth_user"])
        #expect(try store("default").readTimestamps([key]) == [key: 2_000_000_000])
        let last = try LastInvalidationOperation(Selection(labels: ["auth"], cacheAlias: "default"))
            .run(settings: settings, backends: backends(at: 1_900_000_000))
        #expect(last.lastInvalidation == 2_000_000_000)
    }

    @Test func expiryIsReadAgainstTheInjectedClock() throws {
        let key = TableKey(databaseAlias: "default", table: "auth_group").cachalotKey
        _ = try store("default").stampTables([key], at: 1_000, timeout: 10)
        let at1005 = FileBasedCacheStore(settings: settings.caches["default"]!, clock: { 1_005 })
        let at1011 = FileBasedCacheStore(settings: settings.caches["default"]!, clock: { 1_011 })
        #expect(try at1005.readTimestamps([key]) == [key: 1_000])
        #expect(try at1011.readTimestamps([key]).isEmpty)
    }

    @Test func missingDatabaseFileIsAFailureNotANewDatabase() throws {
        var missing = settings
        missing.databases["default"]?.name = directory.file("nope.sqlite3")
        let report = try InvalidateOperation(Selection(cacheAlias: "default")).run(settings: missing, backends: backends(at: 1))
        #expect(report.failures.map(\.target) == [.database("default", at: directory.file("nope.sqlite3"))])
        #expect(report.failures.first?.description.contains("no such database file") == true)
        #expect(!FileSystem.exists(directory.file("nope.sqlite3")))
        #expect(!FileSystem.exists(directory.file("cache-a")))
    }

    @Test func namingALocMemCacheIsAUsageError() {
        do {
            _ = try InvalidateOperation(Selection(cacheAlias: "local")).run(settings: settings, backends: backends(at: 1))
            Issue.record("a locmem cache named with -c must be refused")
        } catch let error as CachalotError {
            #expect(error.exitCode == .usage)
            #expect(error.message.contains("lives inside each Django process"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
