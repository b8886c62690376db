import CachalotTestSupport
import Testing
@testable import CachalotKit

/// MemcachedCacheStore against real memcached servers.
struct MemcachedCacheStoreTests {
    static func cache(_ backend: CacheBackend, _ locations: [String], options: [String: SettingsValue] = [:]) -> CacheSettings {
        var cache = CacheSettings(alias: "default", backend: backend, locations: locations)
        cache.options = options
        return cache
    }

    let key = TableKey(databaseAlias: "default", table: "auth_user").cachalotKey

    @Test func writesWhatEachClientWritesAndNeverMovesBackwards() throws {
        let server = try MemcachedServer()
        for backend in [CacheBackend.pyMemcache, .pyLibMC] {
            let store = try MemcachedCacheStore(settings: Self.cache(backend, [server.location]), timeout: 2, clock: SystemClock.now)
            #expect(try store.stampTables([key], at: 1_800_000_000.25, timeout: nil).written == [key])
            let stored = try #require(try server.item(":1:" + key))
            let expected = try PickleWriter.dumps(.float(1_800_000_000.25), protocol: 5)
            #expect(stored.flags == 1 && stored.data == expected)
            let older = try store.stampTables([key], at: 1_700_000_000, timeout: nil)
            #expect(older.written == [] && older.keptNewer[key] == 1_800_000_000.25)
            // An int as each client stores it is a timestamp; junk is overwritten.
            try server.set(":1:" + key, flags: backend == .pyMemcache ? 2 : 4, data: Array("5".utf8))
            #expect(try store.readTimestamps([key]) == [key: 5])
            try server.set(":1:" + key, flags: 1, data: [0x80, 0x05, 0x95])
            let replaced = try store.stampTables([key], at: 1_800_000_001, timeout: 300)
            #expect(replaced.written == [key] && replaced.replacedUnreadable[key] != nil)
            try store.writeValues([key: .int(7)], timeout: nil)
            #expect(try server.item(":1:" + key)?.flags == (backend == .pyMemcache ? 2 : 4))
        }
    }

    @Test func unixSocketAndADeadServerInAPool() throws {
        let server = try MemcachedServer()
        let socket = try MemcachedCacheStore(settings: Self.cache(.pyMemcache, ["unix:" + server.socketPath]), timeout: 2, clock: SystemClock.now)
        #expect(try socket.stampTables([key], at: 1_800_000_000, timeout: nil).written == [key])
        #expect(try socket.readTimestamps([key]) == [key: 1_800_000_000])

        let dead = "127.0.0.1:\(try freeLoopbackPort())"
        let keys = (0..<40).map { TableKey(databaseAlias: "default", table: "t\($0)").cachalotKey }
        let pool = try MemcachedCacheStore(settings: Self.cache(.pyLibMC, [server.location, dead]), timeout: 2, clock: SystemClock.now)
        do {
            _ = try pool.stampTables(keys, at: 1_800_000_000, timeout: nil)
            Issue.record("a dead server must fail the stamp")
        } catch let partial as PartialStampFailure {
            #expect(partial.error.message.contains(dead))
            #expect(!partial.outcome.written.isEmpty && partial.outcome.written.count < keys.count)
        }
        // pymemcache's runner-up: every key ends up on the live server.
        let rendezvous = try MemcachedCacheStore(settings: Self.cache(.pyMemcache, [server.location, dead]), timeout: 2, clock: SystemClock.now)
        #expect(throws: PartialStampFailure.self) { _ = try rendezvous.stampTables(keys, at: 1_800_000_002, timeout: nil) }
        for key in keys { #expect(try server.item(":1:" + key) != nil) }
    }

    @Test func settingsCachalotCannotHonourAreRefused() {
        let refused: [(CacheBackend, [String: SettingsValue])] = [
            (.pyMemcache, ["tls_context": .string("<ssl.SSLContext object>")]),
            (.pyMemcache, ["serde": .string("x")]),
            // SASL as pylibmc takes it: binary, and both names.
            (.pyLibMC, ["username": .string("u"), "password": .string("p")]),
            (.pyLibMC, ["binary": .bool(true), "username": .string("u")]),
            (.pyLibMC, ["behaviors": .table(["distribution": .string("random")])]),
            (.pyLibMC, ["behaviors": .table(["hash": .string("hsieh")])]),
        ]
        for (backend, options) in refused {
            #expect(throws: CachalotError.self) {
                _ = try MemcachedCacheStore(settings: Self.cache(backend, ["127.0.0.1:1"], options: options), timeout: 1, clock: SystemClock.now)
            }
        }
        var prefixed = Self.cache(.pyMemcache, ["127.0.0.1:1"])
        prefixed.keyPrefix = "my site"
        #expect(throws: CachalotError.self) { _ = try MemcachedCacheStore(settings: prefixed, timeout: 1, clock: SystemClock.now) }
    }
}
