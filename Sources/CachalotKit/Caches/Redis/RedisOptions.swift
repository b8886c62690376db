/// The parts of a Redis cache's settings that change what goes over the
/// wire, checked once: anything cachalot cannot reproduce is a usage error
/// naming the option.
struct RedisOptions {
    var endpoint: RedisEndpoint
    var codec: RedisValueCodec
    var timeouts: RedisTimeouts
    /// django-redis sets expiry in milliseconds (PX), Django's own backend in seconds (EX).
    var expiresInMilliseconds: Bool

    static let djangoRedisDefaults = [
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SERIALIZER": "django_redis.serializers.pickle.PickleSerializer",
    ]
    static let djangoRedisCompressors = [
        "django_redis.compressors.identity.IdentityCompressor": false,
        "django_redis.compressors.zlib.ZlibCompressor": true,
        "django_redis.compressors.gzip.GzipCompressor": true,
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
            for (key, accepted) in Self.djangoRedisDefaults {
                if let value = try options.string(key), value != accepted {
                    throw options.fail(key, "\(quoted(value)) is not supported yet; supported: \(accepted)")
                }
            }
            let compressor = try options.string("COMPRESSOR") ?? "django_redis.compressors.identity.IdentityCompressor"
            guard let compresses = Self.djangoRedisCompressors[compressor] else {
                throw options.fail("COMPRESSOR", "\(quoted(compressor)) is not supported yet; supported: \(Self.djangoRedisCompressors.keys.sorted().joined(separator: ", "))")
            }
            let protocolVersion = try options.int("PICKLE_VERSION") ?? 4
            guard protocolVersion <= PickleWriter.highestProtocol else {
                throw options.fail("PICKLE_VERSION", "expected an integer up to \(PickleWriter.highestProtocol), found \(protocolVersion)")
            }
            // pickle.dumps(v, -1) means the highest protocol.
            codec = RedisValueCodec(pickleProtocol: protocolVersion < 0 ? PickleWriter.highestProtocol : protocolVersion,
                                    mayBeCompressed: compresses)
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
            codec = RedisValueCodec(pickleProtocol: PickleWriter.highestProtocol, mayBeCompressed: false)
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
        guard let timeout else { return ("", "") }
        let amount = expiresInMilliseconds ? Int(timeout * 1000) : max(0, Int(timeout))
        return amount <= 0 ? ("DEL", "") : (expiresInMilliseconds ? "PX" : "EX", String(amount))
    }
}
