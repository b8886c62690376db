/// The parts of a Redis cache's settings that change what goes over the
/// wire, checked once: anything cachalot cannot reproduce is a usage error
/// naming the option.
struct RedisOptions {
    /// Every LOCATION entry, logins merged in as each backend merges them.
    var endpoints: [RedisEndpoint]
    var topology: RedisTopology
    var codec: RedisValueCodec
    var timeouts: RedisTimeouts
    /// django-redis sets expiry in milliseconds (PX), Django's own backend in seconds (EX).
    var expiresInMilliseconds: Bool

    /// Seconds HerdClient adds to a wrapped value's expiry (Django's CACHE_HERD_TIMEOUT).
    var herdTimeout: Double = 60
    /// A cluster whose site reads from replicas (BASE_CLIENT_KWARGS read_from_replicas).
    var clusterReadsFromReplicas = false

    /// django-redis and django-valkey (a fork of it): the same OPTIONS under
    /// each package's own class paths; the codec tells their bytes apart.
    struct ClientPackage {
        let name: String
        let library: RedisValueCodec.Library
        let clients: [String]
        let serializers: [String: RedisValueCodec.Serializer?]
        let compressors: [String: RedisValueCodec.Compression]
        /// Clients cachalot refuses for this package, and why.
        let refusedClients: [String: String]

        var defaultClient: String { clients[0] }
        var defaultSerializer: String { serializers.first { $0.value == nil }!.key }
        var identityCompressor: String { compressors.first { $0.value == .none }!.key }

        static let djangoRedis = ClientPackage(
            name: "django-redis", library: .djangoRedis,
            clients: ["django_redis.client.DefaultClient", "django_redis.client.HerdClient",
                      "django_redis.client.ShardClient", "django_redis.client.SentinelClient"],
            serializers: ["django_redis.serializers.pickle.PickleSerializer": nil,
                          "django_redis.serializers.json.JSONSerializer": .json,
                          "django_redis.serializers.msgpack.MSGPackSerializer": .msgpack],
            compressors: ["django_redis.compressors.identity.IdentityCompressor": .none,
                          "django_redis.compressors.zlib.ZlibCompressor": .zlib,
                          "django_redis.compressors.gzip.GzipCompressor": .gzip,
                          "django_redis.compressors.lzma.LzmaCompressor": .lzma,
                          "django_redis.compressors.lz4.Lz4Compressor": .lz4,
                          "django_redis.compressors.zstd.ZStdCompressor": .zstd],
            refusedClients: [:])

        /// django-valkey 0.4: its zstd (backports.zstd), bz2, brotli and
        /// msgspec classes are left out, not proven here.
        static let djangoValkey = ClientPackage(
            name: "django-valkey", library: .djangoValkey,
            clients: ["django_valkey.client.DefaultClient", "django_valkey.client.HerdClient", "django_valkey.client.ShardClient"],
            serializers: ["django_valkey.serializers.pickle.PickleSerializer": nil,
                          "django_valkey.serializers.json.JSONSerializer": .json,
                          "django_valkey.serializers.msgpack.MSGPackSerializer": .msgpack],
            compressors: ["django_valkey.compressors.identity.IdentityCompressor": .none,
                          "django_valkey.compressors.zlib.ZlibCompressor": .zlib,
                          "django_valkey.compressors.gzip.GzipCompressor": .gzip,
                          "django_valkey.compressors.lzma.LzmaCompressor": .lzma,
                          "django_valkey.compressors.lz4.Lz4Compressor": .lz4],
            refusedClients: ["django_valkey.client.SentinelClient":
                "django-valkey 0.4's SentinelClient asks Sentinel for replicas when it means the primary (client/sentinel.py: its primary and replica queries are one dict), so the site's own writes go to a replica; cachalot does not guess which server the site means"])

        /// django-valkey 0.4's cluster backend: the same serializers and
        /// compressors over valkey-py's ValkeyCluster.
        static let djangoValkeyCluster = ClientPackage(
            name: "django-valkey (cluster)", library: .djangoValkey,
            clients: ["django_valkey.cluster_cache.client.DefaultClusterClient"],
            serializers: djangoValkey.serializers, compressors: djangoValkey.compressors, refusedClients: [:])

        static func of(_ backend: CacheBackend) -> ClientPackage? {
            switch backend {
            case .djangoRedis: return .djangoRedis
            case .djangoValkey: return .djangoValkey
            case .djangoValkeyCluster: return .djangoValkeyCluster
            default: return nil
            }
        }

        /// The connection factories that turn LOCATION into servers the way
        /// cachalot does: the package's own, its Sentinel one with the SentinelClient.
        func knownConnectionFactories(client: String) -> [String] {
            if self.name == ClientPackage.djangoValkeyCluster.name { return ["django_valkey.cluster_cache.pool.ClusterConnectionFactory"] }
            let module = library == .djangoValkey ? "django_valkey" : "django_redis"
            return [module + ".pool.ConnectionFactory"] + (client.hasSuffix("SentinelClient") ? [module + ".pool.SentinelConnectionFactory"] : [])
        }
    }

    /// The connection factory (OPTIONS CONNECTION_FACTORY, else the Django
    /// setting DJANGO_REDIS_/DJANGO_VALKEY_CONNECTION_FACTORY) decides how
    /// LOCATION becomes a server: only the package's own are reproduced, its
    /// Sentinel one with the SentinelClient.
    static func checkConnectionFactory(_ cache: CacheSettings, _ options: SettingsTable, package: ClientPackage, client: String) throws {
        let setting = (package.library == .djangoValkey ? "DJANGO_VALKEY" : "DJANGO_REDIS") + "_CONNECTION_FACTORY"
        let known = package.knownConnectionFactories(client: client)
        if let factory = try options.string("CONNECTION_FACTORY"), !known.contains(factory) {
            throw options.fail("CONNECTION_FACTORY", "\(quoted(factory)) decides which server gets the site's writes in Python cachalot cannot run; supported here: \(known.joined(separator: ", "))")
        }
        if let value = cache.clientSettings[setting], value != .null, value != .string(known[0]) {
            throw CachalotError.usage("cache '\(cache.alias)': \(setting) names a connection factory other than \(known[0]); it decides which server gets the site's writes in Python cachalot cannot run",
                                      hint: "remove \(setting) from the settings file if the site does not set it")
        }
    }

    /// Client keywords that change neither what is written nor where:
    /// health checks, keep-alive, a connection name, retrying a timeout.
    static let harmlessClientKeywords: Set<String> = [
        "health_check_interval", "socket_keepalive", "socket_keepalive_options", "client_name", "retry_on_timeout",
    ]

    /// The client and pool classes the connection factory builds (django-redis
    /// REDIS_CLIENT_CLASS / _KWARGS, django-valkey BASE_CLIENT_CLASS / _KWARGS,
    /// CONNECTION_POOL_CLASS): the defaults, and a blocking pool, which only
    /// waits for a free connection. Another class is Python that decides how
    /// keys reach a server (redis-py's RedisCluster, say), which cachalot
    /// does not run.
    static func checkClientConstruction(_ options: SettingsTable, package: ClientPackage, client: String) throws {
        let valkey = package.library == .djangoValkey
        let module = valkey ? "valkey" : "redis"
        let (classOption, kwargsOption) = valkey ? ("BASE_CLIENT_CLASS", "BASE_CLIENT_KWARGS") : ("REDIS_CLIENT_CLASS", "REDIS_CLIENT_KWARGS")
        let clients = valkey ? ["valkey.client.Valkey", "valkey.Valkey", "valkey.client.StrictValkey", "valkey.StrictValkey"]
                             : ["redis.client.Redis", "redis.Redis", "redis.client.StrictRedis", "redis.StrictRedis"]
        if let name = try options.string(classOption), !clients.contains(name) {
            let cluster = name.lowercased().contains("cluster") ? "; for a Redis Cluster use django-valkey's cluster backend (django_valkey.cluster_cache.cache.ClusterValkeyCache)" : ""
            throw options.fail(classOption, "\(quoted(name)) decides in Python how keys reach the servers, which cachalot cannot run; supported: \(clients.joined(separator: ", "))\(cluster)")
        }
        let pools = ["\(module).connection.ConnectionPool", "\(module).connection.BlockingConnectionPool", "\(module).ConnectionPool", "\(module).BlockingConnectionPool"]
            + (client.hasSuffix("SentinelClient") ? ["\(module).sentinel.SentinelConnectionPool"] : [])
        if let name = try options.string("CONNECTION_POOL_CLASS"), !pools.contains(name) {
            throw options.fail("CONNECTION_POOL_CLASS", "\(quoted(name)) decides in Python which server a connection reaches, which cachalot cannot run; supported: \(pools.joined(separator: ", "))")
        }
        let keywords = try options.table(kwargsOption)
        if let name = keywords?.entries.keys.sorted().first(where: { !harmlessClientKeywords.contains($0) }) {
            throw keywords!.fail(name, "changes how the client talks to the server in a way cachalot does not reproduce; supported: \(harmlessClientKeywords.sorted().joined(separator: ", "))")
        }
    }

    /// What django-valkey's compressors read from Django's settings, and the
    /// value that leaves their bytes as cachalot writes them (compressors/*.py).
    static let valkeyCompressorDefaults: [(name: String, applies: Set<RedisValueCodec.Compression>, defaults: [SettingsValue])] = [
        ("CACHE_COMPRESS_LEVEL", [.zlib, .gzip, .lzma, .lz4], [.null, .int(0)]),
        ("COMPRESS_ZLIB_WBITS", [.zlib], [.int(15)]),
        ("COMPRESS_LZMA_FORMAT", [.lzma], [.int(1)]),
        ("COMPRESS_LZMA_CHECK", [.lzma], [.int(-1)]),
        ("COMPRESS_LZMA_FILTERS", [.lzma], [.null]),
        ("COMPRESS_LZ4_BLOCK_SIZE", [.lz4], [.int(0)]),
        ("COMPRESS_LZ4_CONTENT_CHECKSUM", [.lz4], [.int(0), .bool(false)]),
        ("COMPRESS_LZ4_BLOCK_LINKED", [.lz4], [.bool(true), .int(1)]),
        ("COMPRESS_LZ4_STORE_SIZE", [.lz4], [.bool(true), .int(1)]),
    ]

    /// django-valkey's CACHE_COMPRESS_MIN_LENGTH (default 15); a setting
    /// that changes the compressor's bytes away from its defaults is refused.
    static func valkeyCompressorThreshold(_ cache: CacheSettings, _ compression: RedisValueCodec.Compression) throws -> Int {
        let found = cache.clientSettings
        for (name, applies, defaults) in valkeyCompressorDefaults where applies.contains(compression) {
            guard let value = found[name], !defaults.contains(value) else { continue }
            throw CachalotError.usage("cache '\(cache.alias)': \(name) changes the bytes django-valkey's \(compression.rawValue) compressor writes; cachalot writes them with its defaults only",
                                      hint: "remove \(name) from the settings file if the site does not set it")
        }
        switch found["CACHE_COMPRESS_MIN_LENGTH"] {
        case nil, .null?: return 15
        case .int(let length)?: return length
        default: throw CachalotError.usage("cache '\(cache.alias)': CACHE_COMPRESS_MIN_LENGTH: expected an integer")
        }
    }

    /// `--timeout`'s default: connecting, and each request with its replies.
    static let defaultTimeout = 5.0

    init(_ cache: CacheSettings, timeoutOverride: Double?) throws {
        do {
            try self.init(cache, options: try SettingsTable(.table(cache.options), path: ["OPTIONS"]), timeoutOverride: timeoutOverride)
        } catch let problem as SettingsPathError {
            throw CachalotError.usage("cache '\(cache.alias)': \(problem.path.joined(separator: ".")): \(problem.problem)")
        }
    }

    private init(_ cache: CacheSettings, options: SettingsTable, timeoutOverride: Double?) throws {
        let exchange = timeoutOverride ?? Self.defaultTimeout
        guard !cache.locations.isEmpty else { throw CachalotError.usage("cache '\(cache.alias)': LOCATION is empty") }
        do {
            endpoints = try cache.locations.map { try RedisEndpoint(url: $0, valkeySchemes: ClientPackage.of(cache.backend)?.library == .djangoValkey) }
        } catch let invalid as RedisEndpoint.Invalid {
            throw CachalotError.usage("cache '\(cache.alias)': LOCATION: \(invalid.reason)")
        }
        topology = .primary
        let first = endpoints[0]
        switch cache.backend {
        case .djangoValkeyCluster:
            let package = ClientPackage.djangoValkeyCluster
            let client = try Self.checkedClient(cache, options, package: package)
            codec = try Self.packageCodec(cache, options, package: package, client: client)
            let cluster = try RedisClusterOptions(cache, options)
            endpoints = RedisClusterOptions.withoutDroppedTLS(try Self.completed(endpoints, password: cluster.password, username: cluster.username,
                                                                                 db: nil, tls: cluster.tls, cache: cache))
            clusterReadsFromReplicas = cluster.readsFromReplicas
            timeouts = RedisTimeouts(connect: min(exchange, first.socketConnectTimeout ?? cluster.connectTimeout ?? exchange),
                                     operation: first.socketTimeout ?? cluster.operationTimeout, exchange: exchange)
            expiresInMilliseconds = true
            topology = .cluster
            try RedisClusterOptions.checkSeeds(endpoints, cache: cache)
        case .djangoRedis, .djangoValkey:
            let package = ClientPackage.of(cache.backend)!
            let client = try Self.checkedClient(cache, options, package: package)
            try Self.checkClientConstruction(options, package: package, client: client)
            codec = try Self.packageCodec(cache, options, package: package, client: client)
            herdTimeout = cache.herdTimeout
            // URL userinfo, then ?password=, then CONNECTION_POOL_KWARGS, then OPTIONS (django_redis/pool.py).
            let pool = try options.table("CONNECTION_POOL_KWARGS")
            let password = try pool?.string("password") ?? options.string("PASSWORD")
            // django-valkey takes no OPTIONS USERNAME (base_pool.py reads PASSWORD only).
            let username = try pool?.string("username") ?? (package.library == .djangoRedis ? options.string("USERNAME") : nil)
            let db = try pool?.int("db")
            endpoints = try Self.completed(endpoints, password: password, username: username, db: db,
                                           tls: try Self.tlsOptions(pool), cache: cache)
            timeouts = RedisTimeouts(
                connect: min(exchange, try first.socketConnectTimeout ?? pool?.socketSeconds("socket_connect_timeout")
                                       ?? options.socketSeconds("SOCKET_CONNECT_TIMEOUT") ?? exchange),
                operation: try first.socketTimeout ?? pool?.socketSeconds("socket_timeout") ?? options.socketSeconds("SOCKET_TIMEOUT"),
                exchange: exchange)
            expiresInMilliseconds = true
            if client.hasSuffix("ShardClient") {
                topology = .shard(RedisHashRing(nodes: cache.locations))
            } else if client.hasSuffix("SentinelClient") {
                topology = .sentinel(try RedisSentinels(options, location: endpoints[0], cache: cache))
            }
        default:
            if let serializer = try options.string("serializer") {
                throw options.fail("serializer", "custom serializer \(quoted(serializer)) is Python code that cachalot cannot run")
            }
            codec = RedisValueCodec(serializer: .pickle(protocol: PickleWriter.highestProtocol))
            // Whatever the URL says wins over OPTIONS (redis-py's from_url).
            let password = try options.string("password"), username = try options.string("username"), db = try options.int("db")
            endpoints = try Self.completed(endpoints, password: password, username: username, db: db,
                                           tls: try Self.tlsOptions(options), cache: cache)
            timeouts = RedisTimeouts(
                connect: min(exchange, try first.socketConnectTimeout ?? options.socketSeconds("socket_connect_timeout") ?? exchange),
                operation: try first.socketTimeout ?? options.socketSeconds("socket_timeout"),
                exchange: exchange)
            expiresInMilliseconds = false
        }
    }

    /// The CLIENT_CLASS, checked against the package's clients and its
    /// connection factory.
    static func checkedClient(_ cache: CacheSettings, _ options: SettingsTable, package: ClientPackage) throws -> String {
        let client = try options.string("CLIENT_CLASS") ?? package.defaultClient
        if let reason = package.refusedClients[client] { throw options.fail("CLIENT_CLASS", reason) }
        try checkConnectionFactory(cache, options, package: package, client: client)
        guard package.clients.contains(client) else {
            throw options.fail("CLIENT_CLASS", "\(quoted(client)) is not a \(package.name) client cachalot knows; supported: \(package.clients.joined(separator: ", "))")
        }
        return client
    }

    /// The bytes a django-redis or django-valkey client writes: its
    /// serializer, compressor, pickle protocol and herd wrapping.
    static func packageCodec(_ cache: CacheSettings, _ options: SettingsTable, package: ClientPackage, client: String) throws -> RedisValueCodec {
        let serializerName = try options.string("SERIALIZER") ?? package.defaultSerializer
        guard let chosen = package.serializers[serializerName] else {
            throw options.fail("SERIALIZER", "\(quoted(serializerName)) is not a \(package.name) serializer cachalot knows; supported: \(package.serializers.keys.sorted().joined(separator: ", "))")
        }
        let compressor = try options.string("COMPRESSOR") ?? package.identityCompressor
        guard let compression = package.compressors[compressor] else {
            throw options.fail("COMPRESSOR", "\(quoted(compressor)) is not a \(package.name) compressor cachalot knows; supported: \(package.compressors.keys.sorted().joined(separator: ", "))")
        }
        let protocolVersion = try options.int("PICKLE_VERSION") ?? cache.siteVersions.djangoRedisPickleProtocol
        guard protocolVersion <= PickleWriter.highestProtocol else {
            throw options.fail("PICKLE_VERSION", "expected an integer up to \(PickleWriter.highestProtocol), found \(protocolVersion)")
        }
        // pickle.dumps(v, -1) means the highest protocol.
        let pickle = RedisValueCodec.Serializer.pickle(protocol: protocolVersion < 0 ? PickleWriter.highestProtocol : protocolVersion)
        var codec = RedisValueCodec(serializer: chosen ?? pickle, compression: compression, herd: client.hasSuffix("HerdClient"),
                                    floatTimeout: cache.cachalotTimeoutIsFloat, library: package.library)
        if package.library == .djangoValkey, compression != .none {
            codec.valkeyMinLength = try valkeyCompressorThreshold(cache, compression)
        }
        return codec
    }

    /// Each endpoint with what its URL left out taken from the options:
    /// password, username, database index and the ssl_* keywords.
    static func completed(_ endpoints: [RedisEndpoint], password: String?, username: String?, db: Int?,
                          tls: [String: String], cache: CacheSettings) throws -> [RedisEndpoint] {
        try endpoints.map { endpoint in
            var endpoint = endpoint
            if endpoint.password == nil { endpoint.password = password }
            if endpoint.username == nil { endpoint.username = username }
            if let db, endpoint.database == 0 { endpoint.database = db }
            try applyTLS(&endpoint, tls, cache: cache)
            return endpoint
        }
    }

    /// The redis-py ssl_* keyword options in a table, as text.
    static func tlsOptions(_ table: SettingsTable?) throws -> [String: String] {
        var found: [String: String] = [:]
        if let table, let name = RedisEndpoint.unsupportedTLSOption(in: table.entries.keys) {
            throw table.fail(name, RedisEndpoint.unsupportedTLSReason)
        }
        for name in RedisEndpoint.supportedTLSOptions {
            switch table?.entries[name] {
            // A keyword argument is taken as Python takes it: for
            // ssl_check_hostname, any non-empty text is true ("False" too).
            case .string(let text)? where name == "ssl_check_hostname": found[name] = text.isEmpty ? "False" : "True"
            case .string(let text)?: found[name] = text
            case .bool(let flag)?: found[name] = flag ? "True" : "False"
            case .null?, nil: continue
            case let other?: throw table!.fail(name, "expected text, found \(other.kindDescription)")
            }
        }
        return found
    }

    /// OPTIONS' ssl_* for a rediss:// endpoint, where its URL did not set them.
    static func applyTLS(_ endpoint: inout RedisEndpoint, _ options: [String: String], cache: CacheSettings) throws {
        guard endpoint.tls != nil, !options.isEmpty else { return }
        do {
            try RedisEndpoint.applyTLS(&endpoint.tls!, options, onlyMissing: endpoint.urlTLSOptions)
        } catch let invalid as RedisEndpoint.Invalid {
            throw CachalotError.usage("cache '\(cache.alias)': OPTIONS: \(invalid.reason)")
        }
    }

    /// The expiry set_many gives a table key: as `cache.set` gives an
    /// entry, but django-valkey's cluster set_many is MSET per slot, which
    /// never expires, whatever CACHALOT_TIMEOUT says.
    func tableKeyExpiry(_ timeout: Double?) -> (mode: String, amount: String) {
        if case .cluster = topology { return ("", "") }
        return expiry(timeout)
    }

    /// The expiry arguments for SET, as each backend computes them from
    /// CACHALOT_TIMEOUT: none → persistent; zero or less → the key is deleted.
    func expiry(_ timeout: Double?) -> (mode: String, amount: String) {
        guard var timeout else { return ("", "") }
        // HerdClient keeps a wrapped value CACHE_HERD_TIMEOUT longer than its stamp.
        if codec.herd, timeout > 0 { timeout += herdTimeout }
        let amount = expiresInMilliseconds ? Int(timeout * 1000) : max(0, Int(timeout))
        return amount <= 0 ? ("DEL", "") : (expiresInMilliseconds ? "PX" : "EX", String(amount))
    }
}

/// Which servers a cache's keys live on.
enum RedisTopology {
    /// Writes (and cachalot's reads) go to the first LOCATION, as Django's
    /// and django-redis's default clients write.
    case primary
    /// django-redis's ShardClient: each key on the server its ring picks.
    case shard(RedisHashRing)
    /// django-redis's SentinelClient: the master the sentinels name.
    case sentinel(RedisSentinels)
    /// django-valkey's cluster backend: each key on the primary that owns
    /// its hash slot, the map read from the LOCATION entries (seeds).
    case cluster
}
