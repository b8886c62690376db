import CachalotTestSupport
import Dispatch
import Synchronization
import Testing
@testable import CachalotKit

/// RedisCacheStore against a real redis-server.
@Suite(.serialized)
struct RedisCacheStoreTests {
    static func cache(_ backend: CacheBackend, location: String, options: [String: SettingsValue] = [:],
                      prefix: String = "", version: Int = 1) -> CacheSettings {
        var cache = CacheSettings(alias: "default", backend: backend, locations: [location])
        cache.options = options
        cache.keyPrefix = prefix
        cache.version = version
        return cache
    }

    let key = TableKey(databaseAlias: "default", table: "auth_user").cachalotKey

    @Test func builtinBackendWritesProtocol5PicklesWithSecondsExpiry() throws {
        let server = try RedisServer()
        let store = try RedisCacheStore(settings: Self.cache(.redis, location: server.url, prefix: "site", version: 3), timeout: nil, clock: SystemClock.now)
        #expect(try store.stampTables([key], at: 1_800_000_000.25, timeout: 600).written == [key])
        #expect(try server.rawValue("site:3:" + key) == PickleWriter.dumps(.float(1_800_000_000.25), protocol: 5))
        let ttl = try server.run("TTL", "site:3:" + key)
        #expect(ttl == .integer(600))
        #expect(try store.readTimestamps([key, "absent"]) == [key: 1_800_000_000.25])
    }

    @Test func djangoRedisWritesPickleVersionWithMillisecondExpiry() throws {
        let server = try RedisServer()
        let store = try RedisCacheStore(settings: Self.cache(.djangoRedis, location: server.url), timeout: nil, clock: SystemClock.now)
        _ = try store.stampTables([key], at: 1_800_000_000.5, timeout: 600.25)
        #expect(try server.rawValue(":1:" + key) == PickleWriter.dumps(.float(1_800_000_000.5), protocol: 4))
        guard case .integer(let pttl) = try server.run("PTTL", ":1:" + key) else { Issue.record("no PTTL"); return }
        // PX in milliseconds (600250 at most); a stalled machine has 60 s.
        #expect(pttl > 540_000 && pttl <= 600_250)
        let versioned = try RedisCacheStore(settings: Self.cache(.djangoRedis, location: server.url, options: ["PICKLE_VERSION": .int(2)]), timeout: nil, clock: SystemClock.now)
        _ = try versioned.stampTables([key], at: 1_800_000_001, timeout: nil)
        #expect(try server.rawValue(":1:" + key) == PickleWriter.dumps(.float(1_800_000_001), protocol: 2))
        #expect(try server.run("TTL", ":1:" + key) == .integer(-1))
    }

    @Test func timeoutZeroDeletesLikeDjango() throws {
        let server = try RedisServer()
        let store = try RedisCacheStore(settings: Self.cache(.redis, location: server.url), timeout: nil, clock: SystemClock.now)
        _ = try store.stampTables([key], at: 100, timeout: nil)
        _ = try store.stampTables([key], at: 200, timeout: 0)
        #expect(try server.rawValue(":1:" + key) == nil)
    }

    @Test func neverMovesAKeyBackwardsIncludingCompressedAndIntegerValues() throws {
        let server = try RedisServer()
        let zlib: [String: SettingsValue] = ["COMPRESSOR": .string("django_redis.compressors.zlib.ZlibCompressor")]
        let store = try RedisCacheStore(settings: Self.cache(.djangoRedis, location: server.url, options: zlib), timeout: nil, clock: SystemClock.now)
        let future = TableKey(databaseAlias: "default", table: "future").cachalotKey
        let compressedFuture = TableKey(databaseAlias: "default", table: "compressed_future").cachalotKey
        let compressedPast = TableKey(databaseAlias: "default", table: "compressed_past").cachalotKey
        let integer = TableKey(databaseAlias: "default", table: "integer").cachalotKey
        _ = try RedisConnection(server.endpoint(), timeout: 2).pipeline([
            [Array("SET".utf8), Array((":1:" + future).utf8), try PickleWriter.dumps(.float(3_000_000_000), protocol: 4)],
            [Array("SET".utf8), Array((":1:" + compressedFuture).utf8), Zlib.compress(try PickleWriter.dumps(.float(3_000_000_000), protocol: 4))],
            [Array("SET".utf8), Array((":1:" + compressedPast).utf8), Zlib.compress(try PickleWriter.dumps(.float(1_000), protocol: 4))],
            [Array("SET".utf8), Array((":1:" + integer).utf8), Array("2999999999".utf8)],
        ])
        let kept = try store.stampTables([future, compressedFuture, compressedPast, integer], at: 2_000_000_000, timeout: nil)
        #expect(kept.keptNewer == [future: 3_000_000_000, compressedFuture: 3_000_000_000, integer: 2_999_999_999])
        #expect(kept.written == [compressedPast])
        #expect(try store.readTimestamps([compressedPast]) == [compressedPast: 2_000_000_000])
        #expect(try store.readTimestamps([compressedFuture]) == [compressedFuture: 3_000_000_000])
    }

    /// Compressed table keys are decided by the client and set by
    /// compare-and-set: a run whose compare-and-set loses to another writer
    /// must decide again, or an older time can be left standing.
    @Test func racingCompressedStampsEndOnTheNewestTime() throws {
        let server = try RedisServer()
        let zlib: [String: SettingsValue] = ["COMPRESSOR": .string("django_redis.compressors.zlib.ZlibCompressor")]
        let settings = Self.cache(.djangoRedis, location: server.url, options: zlib)
        let keys = (0..<30).map { TableKey(databaseAlias: "default", table: "t\($0)").cachalotKey }
        let failures = Atomic<Int>(0)
        for round in 0..<40 {
            let base = 2_000_000_000.0 + Double(round) * 100
            DispatchQueue.concurrentPerform(iterations: 6) { run in
                do {
                    let store = try RedisCacheStore(settings: settings, timeout: nil, clock: SystemClock.now)
                    _ = try store.stampTables(keys, at: base + Double(run), timeout: nil)
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
            let store = try RedisCacheStore(settings: settings, timeout: nil, clock: SystemClock.now)
            let stored = try store.readTimestamps(keys)
            try #require(Set(stored.values) == [base + 5], "round \(round): \(Set(stored.values).sorted())")
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    @Test func wholeInvalidationIsOneScriptPerServer() throws {
        let server = try RedisServer()
        let store = try RedisCacheStore(settings: Self.cache(.redis, location: server.url), timeout: nil, clock: SystemClock.now)
        let keys = (0..<2000).map { TableKey(databaseAlias: "default", table: "t\($0)").cachalotKey }
        _ = try server.run("CONFIG", "RESETSTAT")
        _ = try store.stampTables(keys, at: 1_800_000_000, timeout: nil)
        let stats = try server.run("INFO", "commandstats").description
        #expect(stats.contains("cmdstat_eval:calls=1,"))
        #expect(try server.run("DBSIZE") == .integer(2000))
    }

    @Test func unixSocketAndDatabaseIndex() throws {
        let server = try RedisServer()
        let store = try RedisCacheStore(settings: Self.cache(.redis, location: "unix://\(server.socketPath)?db=3"), timeout: nil, clock: SystemClock.now)
        _ = try store.stampTables([key], at: 1_800_000_000, timeout: nil)
        let reply = try RedisConnection(RedisEndpoint(url: "unix://\(server.socketPath)?db=3"), timeout: 2).command([Array("DBSIZE".utf8)])
        #expect(reply == .integer(1))
        #expect(try server.run("DBSIZE") == .integer(0))
    }

    @Test func passwordAndACLUser() throws {
        let server = try RedisServer(extraArguments: ["--requirepass", "s3cret"])
        try server.run("ACL", "SETUSER", "app", "on", ">app-pass", "~*", "+@all", password: "s3cret")
        let asUser = try RedisCacheStore(settings: Self.cache(.redis, location: "redis://app:app-pass@127.0.0.1:\(server.port)/0"), timeout: nil, clock: SystemClock.now)
        _ = try asUser.stampTables([key], at: 1_800_000_000, timeout: nil)
        let viaOption = try RedisCacheStore(settings: Self.cache(.djangoRedis, location: server.url, options: ["PASSWORD": .string("s3cret")]), timeout: nil, clock: SystemClock.now)
        // Same key space: django-redis reads what Django's backend wrote.
        #expect(try viaOption.readTimestamps([key]) == [key: 1_800_000_000])
        let wrong = try RedisCacheStore(settings: Self.cache(.redis, location: "redis://:nope@127.0.0.1:\(server.port)/0"), timeout: nil, clock: SystemClock.now)
        let error = try #require(runtimeError(wrong) { try wrong.readTimestamps([key]) })
        #expect(error.contains("authentication failed"))
        #expect(error.contains("cache 'default' (redis://:***@127.0.0.1:\(server.port)/0)"))
        #expect(!error.contains("nope"))
    }

    @Test func refusedConnectionNamesTheCacheAndAddress() throws {
        let port = try freeLoopbackPort()
        let store = try RedisCacheStore(settings: Self.cache(.redis, location: "redis://127.0.0.1:\(port)/0"), timeout: 1, clock: SystemClock.now)
        let error = try #require(runtimeError(store) { try store.readTimestamps([key]) })
        #expect(error.contains("cache 'default' (redis://127.0.0.1:\(port)/0)"))
        #expect(error.contains("refused"))
    }

    @Test func wrongDatabaseIndexAndUnknownHostAreRuntimeErrors() throws {
        let server = try RedisServer()
        let wrongIndex = try RedisCacheStore(settings: Self.cache(.redis, location: "redis://127.0.0.1:\(server.port)/99"), timeout: 2, clock: SystemClock.now)
        #expect(try #require(runtimeError { try wrongIndex.readTimestamps([key]) }).contains("SELECT failed"))
        let unknownHost = try RedisCacheStore(settings: Self.cache(.redis, location: "redis://no-such-host.invalid:6379/0"), timeout: 2, clock: SystemClock.now)
        #expect(try #require(runtimeError(unknownHost) { try unknownHost.readTimestamps([key]) }).contains("cache 'default' (redis://no-such-host.invalid:6379/0)"))
    }

    @Test func aServerThatStopsAnsweringTimesOut() throws {
        let server = try RedisServer()
        let store = try RedisCacheStore(settings: Self.cache(.redis, location: server.url), timeout: 1, clock: SystemClock.now)
        _ = try store.readTimestamps([key])
        server.pause()
        defer { server.resume() }
        let started = monotonicSeconds()
        let error = try #require(runtimeError { try store.stampTables([key], at: 1, timeout: nil) })
        #expect(monotonicSeconds() - started < 4)
        #expect(error.contains("no complete reply within 1.0 s"))
    }

    @Test func fullRedisIsReportedAsOutOfMemory() throws {
        let server = try RedisServer(extraArguments: ["--maxmemory", "1", "--maxmemory-policy", "noeviction"])
        let store = try RedisCacheStore(settings: Self.cache(.redis, location: server.url), timeout: nil, clock: SystemClock.now)
        let error = try #require(runtimeError { try store.stampTables([key], at: 1, timeout: nil) })
        #expect(error.contains("out of memory"))
    }

    @Test func unsupportedSettingsAreUsageErrors() {
        for (location, options) in [
            ("rediss://127.0.0.1:6379/0?ssl_cert_reqs=maybe", [:]),
            ("redis://127.0.0.1:6379/0", ["COMPRESSOR": SettingsValue.string("myapp.compressors.Brotli")]),
            ("redis://127.0.0.1:6379/0", ["SERIALIZER": .string("myapp.serializers.Yaml")]),
            ("redis://127.0.0.1:6379/0", ["CLIENT_CLASS": .string("myapp.redis.Client")]),
            ("redis://127.0.0.1:6379/0", ["CLIENT_CLASS": .string("django_redis.client.SentinelClient")]),
            ("127.0.0.1:6379", [:]),
        ] as [(String, [String: SettingsValue])] {
            do {
                _ = try RedisCacheStore(settings: Self.cache(.djangoRedis, location: location, options: options), timeout: nil, clock: SystemClock.now)
                Issue.record("\(location) \(options) should be refused")
            } catch let error as CachalotError {
                #expect(error.exitCode == .usage)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    /// The message a run prints when `body` fails on `store`'s cache.
    func runtimeError(_ store: CacheStore? = nil, _ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            let failure = store.map { TargetFailure(.cache($0.settings.alias, at: $0.address), error) }
            #expect(CachalotError(error).exitCode == .runtime)
            return failure?.description ?? CachalotError(error).message
        }
    }
}
