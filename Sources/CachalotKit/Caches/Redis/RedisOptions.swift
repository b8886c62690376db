/// The parts of a Redis cache's settings that change what goes over the
/// wire, checked once: anything cachalot cannot reproduce is a usage error
/// naming the option.
struct RedisOptions {
    var endpoint: RedisEndpoint
    var codec: RedisValueCodec
    var timeouts: RedisTimeouts
    /// django-redis sets expiry in milliseconds (PX), Django's own backend in seconds (EX).
    var expiresInMilliseconds: Bool

    /// Seconds HerdClient adds to a wrapped value's expiry (Django's CACHE_HERD_TIMEOUT).
    var herdTimeout: Double = 60

    static let djangoRedisClients = [
        "django_redis.client.DefaultClient": false,
        "django_redis.client.HerdClient": true,
    ]
    static let djangoRedisSerializers: [String: RedisValueCodec.Serializer?] = [
        "django_redis.serializers.pickle.PickleSerializer": nil,
        "django_redis.serializers.json.JSONSerializer": .json,
        "django_redis.serializers.msgpack.MSGPackSerializer": .msgpack,
    ]
    static let djangoRedisCompressors: [String: RedisValueCodec.Compression] = [
        "django_redis.compressors.identity.IdentityCompressor": .none,
        "django_redis.compressors.zlib.ZlibCompressor": .zlib,
        "django_redis.compressors.gzip.GzipCompressor": .gzip,
        "django_redis.compressors.lzma.LzmaCompressor": .lzma,
        "django_redis.compressors.lz4.Lz4Compressor": .lz4,
        "django_redis.compressors.zstd.ZStdCompressor": .zstd,
    ]

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
        guard let location = cache.locations.first else { throw CachalotError.usage("cache '\(cache.alias)': LOCATION is empty") }
        do {
            endpoint = try RedisEndpoint(url: location)
        } catch let invalid as RedisEndpoint.Invalid {
            throw CachalotError.usage("cache '\(cache.alias)': LOCATION: \(invalid.reason)")
        }
        switch cache.backend {
        case .djangoRedis:
            let client = try options.string("CLIENT_CLASS") ?? "django_redis.client.DefaultClient"
            guard let herd = Self.djangoRedisClients[client] else {
                throw options.fail("CLIENT_CLASS", "\(quoted(client)) is not supported yet; supported: \(Self.djangoRedisClients.keys.sorted().joined(separator: ", "))")
            }
            let serializerName = try options.string("SERIALIZER") ?? "django_redis.serializers.pickle.PickleSerializer"
            guard let chosen = Self.djangoRedisSerializers[serializerName] else {
                throw options.fail("SERIALIZER", "\(quoted(serializerName)) is not a django-redis serializer cachalot knows; supported: \(Self.djangoRedisSerializers.keys.sorted().joined(separator: ", "))")
            }
            let compressor = try options.string("COMPRESSOR") ?? "django_redis.compressors.identity.IdentityCompressor"
            guard let compression = Self.djangoRedisCompressors[compressor] else {
                throw options.fail("COMPRESSOR", "\(quoted(compressor)) is not a django-redis compressor cachalot knows; supported: \(Self.djangoRedisCompressors.keys.sorted().joined(separator: ", "))")
            }
            let protocolVersion = try options.int("PICKLE_VERSION") ?? 4
            guard protocolVersion <= PickleWriter.highestProtocol else {
                throw options.fail("PICKLE_VERSION", "expected an integer up to \(PickleWriter.highestProtocol), found \(protocolVersion)")
            }
            // pickle.dumps(v, -1) means the highest protocol.
            let pickle = RedisValueCodec.Serializer.pickle(protocol: protocolVersion < 0 ? PickleWriter.highestProtocol : protocolVersion)
            codec = RedisValueCodec(serializer: chosen ?? pickle, compression: compression, herd: herd)
            herdTimeout = cache.herdTimeout
            if endpoint.password == nil { endpoint.password = try options.string("PASSWORD") }
            timeouts = RedisTimeouts(
                connect: min(exchange, try endpoint.socketConnectTimeout ?? options.socketSeconds("SOCKET_CONNECT_TIMEOUT") ?? exchange),
                operation: try endpoint.socketTimeout ?? options.socketSeconds("SOCKET_TIMEOUT"),
                exchange: exchange)
            expiresInMilliseconds = true
        default:
            if let serializer = try options.string("serializer") {
                throw options.fail("serializer", "custom serializer \(quoted(serializer)) is Python code that cachalot cannot run")
            }
            codec = RedisValueCodec(serializer: .pickle(protocol: PickleWriter.highestProtocol))
            if endpoint.password == nil { endpoint.password = try options.string("password") }
            if endpoint.username == nil { endpoint.username = try options.string("username") }
            if let db = try options.int("db"), endpoint.database == 0 { endpoint.database = db }
            timeouts = RedisTimeouts(
                connect: min(exchange, try endpoint.socketConnectTimeout ?? options.socketSeconds("socket_connect_timeout") ?? exchange),
                operation: try endpoint.socketTimeout ?? options.socketSeconds("socket_timeout"),
                exchange: exchange)
            expiresInMilliseconds = false
        }
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
