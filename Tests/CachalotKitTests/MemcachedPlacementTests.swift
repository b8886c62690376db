import Testing
@testable import CachalotKit

/// The memcached clients' hashes and server choice, against vectors taken
/// from pymemcache 4.0.0 and libmemcached 1.1.4 (pylibmc 1.6.3); the
/// interop tests check the same against the live clients.
struct MemcachedPlacementTests {
    @Test func pymemcacheMurmur3ReadsAPythonString() {
        #expect(MemcachedHashes.murmur3(pythonString: "") == 0)
        #expect(MemcachedHashes.murmur3(pythonString: "a") == 0x3c25_69b2)
        #expect(MemcachedHashes.murmur3(pythonString: "abc") == 0xb3dd_93fa)
        #expect(MemcachedHashes.murmur3(pythonString: "abcd") == 0x43ed_676a)
        #expect(MemcachedHashes.murmur3(pythonString: "hello world") == 0x5e92_8f0f)
        #expect(MemcachedHashes.murmur3(pythonString: "127.0.0.1:11211-:1:foo") == 0xd534_d121)
        // A code point's low byte, not its UTF-8.
        #expect(MemcachedHashes.murmur3(pythonString: "é") == 0x44c6_d4b2)
        #expect(MemcachedHashes.murmur3(pythonString: ":1:café") == 0x3261_3229)
    }

    @Test func libhashkitHashes() {
        #expect(MemcachedHashes.oneAtATime([]) == 0)
        #expect(MemcachedHashes.oneAtATime(Array("a".utf8)) == 0xca2e_9442)
        #expect(MemcachedHashes.oneAtATime(Array("hello".utf8)) == 0xc8fd_181b)
        #expect(MemcachedHashes.oneAtATime(Array(":1:foo".utf8)) == 0xdf0c_9d75)
        // Bytes of 0x80 and above are sign-extended.
        #expect(MemcachedHashes.oneAtATime(Array("é".utf8)) == 0x0191_48ae)
        #expect(MemcachedHashes.md5(Array("a".utf8)) == 0xb975_c10c)
        #expect(MemcachedHashes.md5(Array("127.0.0.1-0".utf8)) == 0xbdff_a47f)
        #expect(MemcachedHashes.crc(Array("a".utf8)) == 0x68b7)
        #expect(MemcachedHashes.crc(Array("hello".utf8)) == 0x3610)
    }

    static let made = ["auth_user", "auth_group", "django_session", "views.decorators.cache", "template.fragment",
                       "user:42", "ratelimit:1.2.3.4", "settings", "menu", "feed"]
        .map { ":1:" + Hashing.sha1Hex("default:" + $0) }

    @Test func rendezvousPicksLikePymemcache() {
        let nodes = ["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"]
        let placement = MemcachedPlacement.rendezvous(nodes: nodes)
        let chosen = Self.made.map { placement.server(for: $0, among: [0, 1, 2]).map { 11211 + $0 } }
        #expect(chosen == [11211, 11213, 11212, 11213, 11212, 11212, 11212, 11211, 11212, 11213])
        // Without the first server, its keys go to the runner-up.
        #expect(placement.server(for: Self.made[0], among: [1, 2]) == 2)
    }

    @Test func libmemcachedDistributionsPickLikePylibmc() {
        let servers = (11211...11213).map { LibmemcachedDistribution.Server(host: "127.0.0.1", port: $0, weight: 1) }
        func chosen(_ kind: LibmemcachedDistribution.Kind, _ hash: MemcachedHashes.Function) -> [Int] {
            let distribution = LibmemcachedDistribution(kind: kind, weighted: false, hash: hash, servers: servers)
            return Self.made.map { 11211 + distribution.server(for: Array($0.utf8)) }
        }
        #expect(chosen(.modula, .default) == [11211, 11211, 11212, 11213, 11211, 11211, 11211, 11212, 11211, 11212])
        #expect(chosen(.ketama, .default) == [11212, 11212, 11213, 11212, 11213, 11212, 11212, 11213, 11212, 11212])
        #expect(chosen(.ketama, .md5) == [11211, 11213, 11211, 11213, 11212, 11212, 11212, 11211, 11212, 11211])
        #expect(chosen(.modula, .crc) == [11212, 11212, 11213, 11212, 11213, 11212, 11213, 11212, 11213, 11212])
    }

    /// Ports pylibmc 1.6.3 (libmemcached 1.1.4) picks for `made`, read from
    /// its errors against servers that are not running (/tmp/vec.py in the
    /// report of issue 20): behaviors applied in pylibmc's order, then the
    /// servers added.
    @Test(arguments: [
        (["127.0.0.1:11213", "127.0.0.1:11211", "127.0.0.1:11212"], ["_sort_hosts": SettingsValue.bool(true)],
         [11211, 11211, 11212, 11213, 11211, 11211, 11211, 11212, 11211, 11212]),
        (["127.0.0.1:11213", "127.0.0.1:11211", "127.0.0.1:11212"], [:],
         [11213, 11213, 11211, 11212, 11213, 11213, 11213, 11211, 11213, 11211]),
        // ketama_weighted turned off turns ketama on.
        (["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"], ["ketama_weighted": .bool(false)],
         [11212, 11212, 11213, 11212, 11213, 11212, 11212, 11213, 11212, 11212]),
        // A weight above 1 weights the continuum, the key hash stays one-at-a-time.
        (["127.0.0.1:11211:1", "127.0.0.1:11212:3", "127.0.0.1:11213:2"], ["ketama": .bool(true)],
         [11213, 11212, 11213, 11213, 11213, 11212, 11212, 11213, 11212, 11212]),
        (["127.0.0.1:11211:1", "127.0.0.1:11212:3", "127.0.0.1:11213:2"], ["distribution": .string("consistent ketama")],
         [11213, 11212, 11213, 11213, 11213, 11212, 11212, 11213, 11212, 11212]),
        // consistent weighted keeps the key hash; ketama_weighted makes it md5.
        (["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"], ["distribution": .string("consistent weighted")],
         [11213, 11212, 11213, 11213, 11213, 11213, 11212, 11213, 11212, 11213]),
        (["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"], ["ketama_weighted": .bool(true)],
         [11213, 11211, 11213, 11213, 11211, 11212, 11212, 11211, 11211, 11213]),
        (["127.0.0.1:11211:1", "127.0.0.1:11212:3", "127.0.0.1:11213:2"], ["ketama_weighted": .bool(true)],
         [11212, 11211, 11212, 11213, 11211, 11212, 11212, 11212, 11211, 11213]),
        (["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"], ["distribution": .string("consistent ketama spy")],
         [11211, 11211, 11212, 11213, 11211, 11213, 11213, 11211, 11212, 11211]),
        (["127.0.0.1:11211:1", "127.0.0.1:11212:3", "127.0.0.1:11213:2"], ["distribution": .string("consistent ketama spy")],
         [11213, 11212, 11211, 11212, 11212, 11212, 11213, 11212, 11212, 11213]),
    ])
    func pylibmcBehaviorsPlaceLikePylibmc(locations: [String], behaviors: [String: SettingsValue], expected: [Int]) throws {
        var cache = CacheSettings(alias: "default", backend: .pyLibMC, locations: locations)
        cache.options = ["behaviors": .table(behaviors)]
        let options = try MemcachedOptions(cache, timeoutOverride: nil)
        let ports = Self.made.map { key -> Int in
            guard case .tcp(_, let port) = options.servers[options.placement.server(for: key, among: Array(options.servers.indices))!].address else { return 0 }
            return port
        }
        #expect(ports == expected)
    }

    /// Every pylibmc behavior and client option not modelled is refused, naming it.
    @Test(arguments: [
        (["behaviors": SettingsValue.table(["namespace": .string("site")])], "namespace"),
        (["behaviors": .table(["num_replicas": .int(1)])], "num_replicas"),
        (["behaviors": .table(["distribution": .string("random")])], "distribution"),
        (["behaviors": .table(["distribution": .string("virtual bucket")])], "distribution"),
        (["behaviors": .table(["hash": .string("hsieh")])], "hash"),
        (["behaviors": .table(["ketama_hash": .string("jenkins")])], "ketama_hash"),
        (["behaviors": .table(["no_such": .bool(true)])], "no_such"),
        (["behaviors": .table(["tcp_nodelay": .string("yes")])], "tcp_nodelay"),
        (["behaviors": .table(["verify_keys": .bool(true)]), "binary": .bool(true)], "verify_keys"),
        (["servers": .string("x")], "servers"),
        (["behaviors": .table(["buffer_requests": .int(1)])], "buffer_requests"),
    ])
    func unmodelledPylibmcOptionsAreRefused(options: [String: SettingsValue], named: String) {
        var cache = CacheSettings(alias: "default", backend: .pyLibMC, locations: ["127.0.0.1:11211"])
        cache.options = options
        #expect(Self.refusal { _ = try MemcachedOptions(cache, timeoutOverride: nil) }?.contains(named) == true)
    }

    /// Options that make the site's own client refuse its keys: verify_keys under a
    /// non-ASCII KEY_PREFIX, pymemcache's key_prefix given as text.
    @Test func optionsTheSiteFailsWithUnderANonASCIIPrefixAreRefused() {
        var pylibmc = CacheSettings(alias: "default", backend: .pyLibMC, locations: ["127.0.0.1:11211"])
        pylibmc.keyPrefix = "é"
        pylibmc.options = ["behaviors": .table(["verify_keys": .bool(true)])]
        #expect(Self.refusal { _ = try MemcachedOptions(pylibmc, timeoutOverride: nil) }?.contains("verify_keys") == true)
        var pymemcache = CacheSettings(alias: "default", backend: .pyMemcache, locations: ["127.0.0.1:11211"])
        pymemcache.options = ["key_prefix": .string("")]
        #expect(Self.refusal { _ = try MemcachedOptions(pymemcache, timeoutOverride: nil) }?.contains("key_prefix") == true)
        pymemcache.options = ["key_prefix": .string("b''")]
        #expect(Self.refusal { _ = try MemcachedOptions(pymemcache, timeoutOverride: nil) } == nil)
    }

    @Test func pylibmcRefusesUnixSocketsMixedWithTCP() {
        let cache = CacheSettings(alias: "default", backend: .pyLibMC, locations: ["/tmp/m.sock", "127.0.0.1:11211"])
        #expect(Self.refusal { _ = try MemcachedOptions(cache, timeoutOverride: nil) }?.contains("can't mix transport types") == true)
    }

    /// The message of the usage error (exit 2) `body` throws, or nil.
    static func refusal(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as CachalotError where error.exitCode == .usage { return error.message } catch { return "not a usage error: \(error)" }
        return nil
    }

    /// translate_server_spec's and normalize_server_spec's readings.
    @Test func serverSpecsReadLikeTheClients() throws {
        let alias = CacheSettings(alias: "default", backend: .pyLibMC, locations: [])
        let v6 = try MemcachedOptions.pylibmcServer("[::1]:11300:3", cache: alias).placement
        #expect((v6.host, v6.port, v6.weight) == ("::1", 11300, 3))
        let plain = try MemcachedOptions.pylibmcServer("unix:/tmp/m.sock", cache: alias).placement
        #expect((plain.host, plain.port, plain.weight) == ("/tmp/m.sock", 0, 1))
        for invalid in ["host:", "[::1]x", "::1", "host:1:0", "host:70000", "host: 1"] {
            #expect(Self.refusal { _ = try MemcachedOptions.pylibmcServer(invalid, cache: alias) } != nil, "\(invalid)")
        }
        #expect(try MemcachedOptions.pymemcacheServer("[::1]:11300", cache: alias).name == "::1:11300")
        #expect(try MemcachedOptions.pymemcacheServer("[::1]", cache: alias).name == "::1:11211")
        #expect(try MemcachedOptions.pymemcacheServer("unix:/tmp/m.sock", cache: alias).name == "/tmp/m.sock")
    }

    @Test func djangosExpiryRules() {
        #expect(MemcachedOptions.exptime(nil, now: 1_800_000_000.7) == 0)
        #expect(MemcachedOptions.exptime(0, now: 1_800_000_000.7) == -1)
        #expect(MemcachedOptions.exptime(0.5, now: 1_800_000_000.7) == -1)
        #expect(MemcachedOptions.exptime(300, now: 1_800_000_000.7) == 300)
        #expect(MemcachedOptions.exptime(2_592_001, now: 1_800_000_000.7) == 1_802_592_001)
    }
}
