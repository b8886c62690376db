import Foundation
import Testing
@testable import CachalotKit

/// invalidate and last-invalidation over a real SQLite file (made by the
/// sqlite3 shell from example/schema.sql) and real cache directories.
struct FileCacheSQLiteTests {
    let directory: String
    let settings: Settings

    init() throws {
        directory = NSTemporaryDirectory() + "cachalot-it-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        shell.arguments = [directory + "/db.sqlite3"]
        shell.standardInput = try FileHandle(forReadingFrom: root.appendingPathComponent("example/schema.sql"))
        try shell.run()
        shell.waitUntilExit()
        try #require(shell.terminationStatus == 0, "sqlite3 could not build the example database")
        // "broken" points below a regular file: no directory can be made there.
        FileManager.default.createFile(atPath: directory + "/not-a-dir", contents: Data())
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
        settings = try SettingsLoader.load(SettingsFile(path: directory + "/cachalot.toml", format: .toml, text: text),
                                           environment: [:])
    }

    func store(_ alias: String) -> FileBasedCacheStore { FileBasedCacheStore(settings: settings.caches[alias]!) }

    @Test func invalidateWritesEveryReachableCacheAndReportsTheBrokenOne() throws {
        let report = try InvalidateOperation(Selection(labels: ["library"])).run(settings: settings, backends: Backends(now: { 1_800_000_000.5 }))
        #expect(!report.succeeded)
        #expect(report.skippedCaches.map(\.alias) == ["local"])
        let broken = try #require(report.results.first { $0.cacheAlias == "broken" })
        #expect(broken.error?.contains("cannot create the cache directory") == true)
        for alias in ["default", "second"] {
            let key = TableKey(databaseAlias: "default", table: "catalogue_books_authors").cachalotKey
            #expect(try store(alias).readTimestamps([key]) == [key: 1_800_000_000.5])
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/cache-b")
        #expect(names.count == 3)
        #expect(names.contains(Hashing.md5Hex("site:2:" + TableKey(databaseAlias: "default", table: "library_author").cachalotKey) + ".djcache"))
    }

    @Test func neverMovesATableKeyBackwards() throws {
        let key = TableKey(databaseAlias: "default", table: "auth_user").cachalotKey
        _ = try store("default").stampTables([key], at: 2_000_000_000, timeout: nil)
        let report = try InvalidateOperation(Selection(labels: ["auth.User"], cacheAlias: "default"))
            .run(settings: settings, backends: Backends(now: { 1_900_000_000 }))
        #expect(report.results.first?.keptNewer.map(\.table) == ["auth_user"])
        #expect(try store("default").readTimestamps([key]) == [key: 2_000_000_000])
        let last = try LastInvalidationOperation(Selection(labels: ["auth"], cacheAlias: "default")).run(settings: settings)
        #expect(last.lastInvalidation == 2_000_000_000)
    }

    @Test func expiredKeysAreAbsent() throws {
        let key = TableKey(databaseAlias: "default", table: "auth_group").cachalotKey
        _ = try store("default").stampTables([key], at: 100, timeout: 10)
        #expect(try store("default").readTimestamps([key]).isEmpty)
    }

    @Test func missingDatabaseFileIsAFailureNotANewDatabase() throws {
        var missing = settings
        missing.databases["default"]?.name = directory + "/nope.sqlite3"
        let report = try InvalidateOperation(Selection(cacheAlias: "default")).run(settings: missing)
        #expect(report.failedDatabases.first?.error.contains("no such database file") == true)
        #expect(!FileManager.default.fileExists(atPath: directory + "/nope.sqlite3"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/cache-a"))
    }

    @Test func namingALocMemCacheIsAUsageError() {
        do {
            _ = try InvalidateOperation(Selection(cacheAlias: "local")).run(settings: settings)
            Issue.record("a locmem cache named with -c must be refused")
        } catch let error as CachalotError {
            #expect(error.exitCode == .usage)
            #expect(error.message.contains("lives inside each Django process"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
