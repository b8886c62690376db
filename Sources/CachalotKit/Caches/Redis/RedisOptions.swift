/// The parts of a Redis cache's settings that change what goes over the
/// wire, checked once: anything cachalot cannot reproduce is a usage error
/// naming the option.
struct RedisOptions {
    var endpoint: RedisEndpoint
    var codec: RedisValueCodec
    var connectTimeout: Double
    var replyTimeout: Double
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

    init(_ cache: CacheSettings, timeoutOverride: Double?) throws {
        func fail(_ option: String, _ problem: String) -> CachalotError {
            .usage("cache '\(cache.alias)': OPTIONS.\(option): \(problem)")
        }
        let options = cache.options
        func string(_ key: String) throws -> String? {
            switch options[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case let other?: throw fail(key, "expected a string, found \(other.kindDescription)")
            }
        }
        func number(_ key: String) throws -> Double? {
            switch options[key] {
            case nil, .null?: return nil
            case .int(let value)?: return Double(value)
            case .double(let value)?: return value
            case let other?: throw fail(key, "expected a number of seconds, found \(other.kindDescription)")
            }
        }
        guard let location = cache.locations.first else { throw CachalotError.usage("cache '\(cache.alias)': LOCATION is empty") }
        do {
            endpoint = try RedisEndpoint(url: location)
        } catch let invalid as RedisEndpoint.Invalid {
            throw CachalotError.usage("cache '\(cache.alias)': LOCATION: \(invalid.reason)")
        }
        switch cache.backend {
        case .djangoRedis:
            for (key, accepted) in Self.djangoRedisDefaults {
                if let value = try string(key), value != accepted {
                    throw fail(key, "\"\(value)\" is not supported yet; supported: \(accepted)")
                }
            }
            let compressor = try string("COMPRESSOR") ?? "django_redis.compressors.identity.IdentityCompressor"
            guard let compresses = Self.djangoRedisCompressors[compressor] else {
                throw fail("COMPRESSOR", "\"\(compressor)\" is not supported yet; supported: \(Self.djangoRedisCompressors.keys.sorted().joined(separator: ", "))")
            }
            var protocolVersion = 4
            switch options["PICKLE_VERSION"] {
            case nil, .null?: break
            case .int(let value)? where value <= PickleWriter.highestProtocol: protocolVersion = value < 0 ? PickleWriter.highestProtocol : value
            case let other?: throw fail("PICKLE_VERSION", "expected an integer up to \(PickleWriter.highestProtocol), found \(other)")
            }
            codec = RedisValueCodec(pickleProtocol: protocolVersion, mayBeCompressed: compresses)
            if endpoint.password == nil { endpoint.password = try string("PASSWORD") }
            connectTimeout = try timeoutOverride ?? number("SOCKET_CONNECT_TIMEOUT") ?? 5
            replyTimeout = try timeoutOverride ?? number("SOCKET_TIMEOUT") ?? 5
            expiresInMilliseconds = true
        default:
            if let serializer = try string("serializer") {
                throw fail("serializer", "custom serializer \"\(serializer)\" is Python code that cachalot cannot run")
            }
            codec = RedisValueCodec(pickleProtocol: PickleWriter.highestProtocol, mayBeCompressed: false)
            if endpoint.password == nil { endpoint.password = try string("password") }
            if endpoint.username == nil { endpoint.username = try string("username") }
            if case .int(let db)? = options["db"], endpoint.database == 0 { endpoint.database = db }
            connectTimeout = timeoutOverride ?? 5
            replyTimeout = timeoutOverride ?? 5
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
