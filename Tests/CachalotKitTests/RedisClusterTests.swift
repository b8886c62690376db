import CachalotTestSupport
import Testing
@testable import CachalotKit

/// Redis Cluster pieces that need no server: the slot of a key, the map
/// read from CLUSTER SLOTS, the redirections, and what django-valkey's
/// cluster backend settings reach. The interop run django-valkey-cluster
/// (a six-node cluster, Tests/interop/test_redis_cluster.py) checks them
/// against real servers and the real package.
struct RedisClusterTests {
    @Test func slotsAreCRC16OfTheKeyOrItsHashTag() {
        // cluster-spec: "123456789" → 0x31C3; the other slots as CLUSTER KEYSLOT answers (Redis 7.0.15).
        #expect(RedisClusterSlot.crc16(Array("123456789".utf8)[...]) == 0x31C3)
        #expect(RedisClusterSlot.of("foo") == 12182)
        #expect(RedisClusterSlot.of("") == 0)
        #expect(RedisClusterSlot.of("{user1000}.following") == RedisClusterSlot.of("{user1000}.followers"))
        #expect(RedisClusterSlot.of("{user1000}.following") == RedisClusterSlot.of("user1000"))
        // An empty tag hashes the whole key; only the first { and the next } count.
        #expect(RedisClusterSlot.of("foo{}{bar}") == Int(RedisClusterSlot.crc16(Array("foo{}{bar}".utf8)[...]) % 16384))
        #expect(RedisClusterSlot.of("foo{{bar}}zap") == RedisClusterSlot.of("{bar"))
        #expect(RedisClusterSlot.of("foo{bar}{zap}") == RedisClusterSlot.of("bar"))
        #expect(RedisClusterSlot.of(":1:9d8a2cd144a433037e82175377945695da2d28a5") == 15147)
        #expect(RedisClusterSlot.of("foo{}{bar}") == 8363 && RedisClusterSlot.of("foo{{bar}}zap") == 4015)
    }

    static func node(_ host: String, _ port: Int) -> RedisReply {
        .array([.string(Array(host.utf8)), .integer(port), .string(Array("id".utf8))])
    }

    @Test func theMapNamesEachSlotsPrimaryAndKeepsNodeNumbers() throws {
        var seed = RedisEndpoint(address: .tcp(host: "10.0.0.1", port: 7000), password: "secret")
        seed.database = 0
        var map = RedisClusterMap(seeds: [seed])
        try map.update(slots: .array([
            .array([.integer(0), .integer(8191), Self.node("", 7000), Self.node("10.0.0.2", 7003)]),
            .array([.integer(8192), .integer(16383), Self.node("10.0.0.3", 7001)]),
        ]), asked: seed)
        #expect(map.owner(ofSlot: 0) == 0, "an empty host is the node asked")
        #expect(map.owner(ofSlot: 16383) == map.node(host: "10.0.0.3", port: 7001))
        #expect(map.primaries.count == 2 && map.nodes.count == 3)
        // Discovered nodes log in as the first LOCATION does.
        #expect(map.nodes.allSatisfy { $0.password == "secret" })
        // A failover: the replica owns the slots now; numbers stay.
        let replica = map.node(host: "10.0.0.2", port: 7003)
        try map.update(slots: .array([
            .array([.integer(0), .integer(8191), Self.node("10.0.0.2", 7003)]),
            .array([.integer(8192), .integer(16383), Self.node("10.0.0.3", 7001)]),
        ]), asked: seed)
        #expect(map.owner(ofSlot: 100) == replica && map.node(host: "10.0.0.2", port: 7003) == replica)
        #expect(map.askingOrder.first == replica && map.askingOrder.contains(0), "the old primary is still asked, last")
    }

    @Test func aMapWithoutSlotsOrWithBrokenRangesIsRefused() throws {
        let seed = RedisEndpoint(address: .tcp(host: "127.0.0.1", port: 7000))
        var map = RedisClusterMap(seeds: [seed])
        #expect(throws: RedisClusterMap.Unreadable.self) { try map.update(slots: .array([]), asked: seed) }
        #expect(throws: RedisClusterMap.Unreadable.self) {
            try map.update(slots: .array([.array([.integer(9), .integer(3), Self.node("h", 1)])]), asked: seed)
        }
        #expect(throws: RedisClusterMap.Unreadable.self) {
            try map.update(slots: .array([.array([.integer(0), .integer(16384), Self.node("h", 1)])]), asked: seed)
        }
        // "?" is a node nobody knows how to reach, not the node asked.
        #expect(throws: RedisClusterMap.Unreadable.self) {
            try map.update(slots: .array([.array([.integer(0), .integer(16383), Self.node("?", 7000)])]), asked: seed)
        }
        #expect(!map.isRead && map.owner(ofSlot: 0) == nil)
        // A replica without a usable address still counts for WAIT.
        try map.update(slots: .array([.array([.integer(0), .integer(16383), .array([.null, .integer(7000)]), Self.node("", 7001)])]), asked: seed)
        #expect(map.owner(ofSlot: 5) == 0 && map.replicaCounts[0] == 1 && map.nodes.count == 1)
    }

    @Test func redirectionsAreToldFromOtherErrors() {
        guard case .ask(let host, let port)? = RedisRedirection(.error("ASK 3999 127.0.0.1:6381"))?.kind else {
            Issue.record("ASK not read"); return
        }
        #expect(host == "127.0.0.1" && port == 6381)
        if case .moved? = RedisRedirection(.error("MOVED 3999 127.0.0.1:6381"))?.kind {} else { Issue.record("MOVED not read") }
        if case .later? = RedisRedirection(.error("CLUSTERDOWN The cluster is down"))?.kind {} else { Issue.record("CLUSTERDOWN not read") }
        if case .later? = RedisRedirection(.error("TRYAGAIN Multiple keys request during rehashing of slot"))?.kind {} else { Issue.record("TRYAGAIN") }
        guard case .moved(let movedHost, let movedPort)? = RedisRedirection(.error("MOVED 12 [::1]:7001"))?.kind else {
            Issue.record("MOVED with an IPv6 host not read"); return
        }
        #expect(movedHost == "::1" && movedPort == 7001)
        if case .moved(let empty, _)? = RedisRedirection(.error("MOVED 12 :7001"))?.kind { #expect(empty.isEmpty) } else { Issue.record("empty host") }
        #expect(RedisRedirection(.error("OOM command not allowed")) == nil)
        #expect(RedisRedirection(.error("ASK 3999 nowhere")) == nil)
        #expect(RedisRedirection(.string(Array("MOVED".utf8))) == nil)
    }

    func options(_ cache: String, top: String = "") throws -> RedisOptions {
        try loadRedisOptions(backend: "django_valkey.cluster_cache.cache.ClusterValkeyCache", cache: cache, top: top)
    }

    func refusal(_ cache: String, top: String = "") -> String? {
        usageRefusal { _ = try options(cache, top: top) }
    }

    @Test func onlyTheURLAndBaseClientKeywordsReachTheCluster() throws {
        let read = try options(#""LOCATION": "valkey://127.0.0.1:7000,valkey://:pw@127.0.0.1:7001", "OPTIONS": {"PASSWORD": "dropped", "SOCKET_TIMEOUT": 9, "#
                               + #""BASE_CLIENT_KWARGS": {"username": "site", "password": "kw", "socket_timeout": 2, "read_from_replicas": true}}"#)
        guard case .cluster = read.topology else { Issue.record("not a cluster"); return }
        #expect(read.endpoints.map(\.password) == ["kw", "pw"], "the URL wins over the keywords; OPTIONS PASSWORD never reaches the client")
        #expect(read.endpoints.map(\.username) == ["site", "site"])
        #expect(read.timeouts.operation == 2)
        #expect(read.codec.library == .djangoValkey)
        // set_many is MSET per slot: table keys never expire; entries do.
        #expect(read.tableKeyExpiry(300).mode == "" && read.expiry(300) == ("PX", "300000"))
    }

    @Test func tlsIsSetUpAsValkeyClusterSetsItUp() throws {
        // cleanup_kwargs drops ssl_check_hostname and ssl_ca_path, from the URL as from the keywords.
        let read = try options(#""LOCATION": "valkeys://127.0.0.1:7000?ssl_check_hostname=true&ssl_ca_path=/etc/ca", "#
                               + #""OPTIONS": {"BASE_CLIENT_KWARGS": {"ssl_ca_certs": "/etc/ca.pem", "ssl_check_hostname": true}}"#)
        #expect(read.endpoints[0].tls?.checkHostname == false && read.endpoints[0].tls?.caPath == nil)
        #expect(read.endpoints[0].tls?.caFile == "/etc/ca.pem")
    }

    @Test func onlyDjangoValkey04sClusterBackendIsReproduced() {
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000""#, top: #""VERSIONS": {"django-valkey": "0.4.1"}, "#) == nil)
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000""#, top: #""VERSIONS": {"django-valkey": "0.5.0"}, "#)?.includes("django-valkey 0.5.0") == true)
    }

    @Test func theAsyncBackendIsRefusedForWhatItIs() {
        let message = usageRefusal { _ = try loadRedisOptions(backend: "django_valkey.async_cache.cache.AsyncValkeyCache", cache: #""LOCATION": "valkey://h:1""#) }
        #expect(message?.includes("coroutines") == true)
    }

    @Test func whatValkeyClusterRefusesOrCachalotCannotFollowIsRefused() {
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000/2""#)?.includes("database 0 only") == true)
        #expect(refusal(#""LOCATION": "unix:///run/redis.sock""#)?.includes("unix sockets") == true)
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000", "OPTIONS": {"BASE_CLIENT_KWARGS": {"address_remap": "f"}}"#)?.includes("address_remap") == true)
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000", "OPTIONS": {"BASE_CLIENT_CLASS": "my.Cluster"}"#)?.includes("BASE_CLIENT_CLASS") == true)
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000", "OPTIONS": {"CLIENT_CLASS": "django_valkey.client.DefaultClient"}"#)?.includes("DefaultClusterClient") == true)
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000", "OPTIONS": {"CONNECTION_FACTORY": "django_valkey.pool.ConnectionFactory"}"#)?.includes("ClusterConnectionFactory") == true)
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000""#, top: #""DJANGO_VALKEY_CONNECTION_FACTORY": "django_valkey.pool.ConnectionFactory", "#)?
            .includes("DJANGO_VALKEY_CONNECTION_FACTORY") == true)
        #expect(refusal(#""LOCATION": "valkey://127.0.0.1:7000", "OPTIONS": {"BASE_CLIENT_KWARGS": {"ssl_ciphers": "x"}}"#)?.includes("ssl_ciphers") == true)
    }

    @Test func doctorKnowsWhichVersionTheClustersSetManyWrites() throws {
        func version(_ top: String, cache: String = "") throws -> String? {
            let text = #"{\#(top)"CACHES": {"default": {"BACKEND": "django_valkey.cluster_cache.cache.ClusterValkeyCache", "LOCATION": "valkey://h:1"\#(cache)}}, "#
                + #""DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/db.sqlite3"}}}"#
            let settings = try SettingsLoader.load(SettingsFile(path: "/etc/cachalot.json", format: .json, text: text),
                                                   environment: [:], currentDirectory: "/")
            return DoctorOperation.clusterSetManyVersion(settings.caches["default"]!, timeout: settings.cachalot.timeout)
        }
        #expect(try version("") == nil, "no CACHALOT_TIMEOUT: version None, the site's own")
        #expect(try version(#""CACHALOT_TIMEOUT": 3600, "#) == "3600")
        #expect(try version(#""CACHALOT_TIMEOUT": 300.0, "#) == "300.0", "a float is formatted as Python formats it")
        #expect(try version(#""CACHALOT_TIMEOUT": 0, "#) == nil, "0 or VERSION is VERSION")
        #expect(try version(#""CACHALOT_TIMEOUT": 7, "#, cache: #", "VERSION": 7"#) == nil, "the same version by chance")
    }

    @Test func djangoRedisWiredToAnotherClientOrPoolIsRefused() throws {
        func refusal(_ backend: String, _ options: String) -> String? {
            usageRefusal { _ = try loadRedisOptions(backend: backend, cache: #""LOCATION": "redis://127.0.0.1:6379/0", "OPTIONS": {\#(options)}"#) }
        }
        let redis = "django_redis.cache.RedisCache", valkey = "django_valkey.cache.ValkeyCache"
        #expect(refusal(redis, #""REDIS_CLIENT_CLASS": "redis.cluster.RedisCluster""#)?.includes("ClusterValkeyCache") == true)
        #expect(refusal(redis, #""REDIS_CLIENT_KWARGS": {"decode_responses": true}"#)?.includes("decode_responses") == true)
        #expect(refusal(redis, #""CONNECTION_POOL_CLASS": "myapp.RoutingPool""#)?.includes("CONNECTION_POOL_CLASS") == true)
        #expect(refusal(valkey, #""BASE_CLIENT_CLASS": "valkey.cluster.ValkeyCluster""#)?.includes("BASE_CLIENT_CLASS") == true)
        // The defaults said out loud, a blocking pool and harmless keywords are fine.
        #expect(refusal(redis, #""REDIS_CLIENT_CLASS": "redis.client.Redis", "CONNECTION_POOL_CLASS": "redis.BlockingConnectionPool", "REDIS_CLIENT_KWARGS": {"health_check_interval": 30}"#) == nil)
        #expect(refusal(valkey, #""BASE_CLIENT_CLASS": "valkey.Valkey", "CONNECTION_POOL_CLASS": "valkey.connection.BlockingConnectionPool""#) == nil)
    }
}
