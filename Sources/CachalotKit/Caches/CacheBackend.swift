/// The Django cache backends django-cachalot supports, by their BACKEND path.
public enum CacheBackend: String, CaseIterable, Sendable {
    case fileBased = "django.core.cache.backends.filebased.FileBasedCache"
    case redis = "django.core.cache.backends.redis.RedisCache"
    case djangoRedis = "django_redis.cache.RedisCache"
    case djangoValkey = "django_valkey.cache.ValkeyCache"
    case djangoValkeyCluster = "django_valkey.cluster_cache.cache.ClusterValkeyCache"
    case pyMemcache = "django.core.cache.backends.memcached.PyMemcacheCache"
    case pyLibMC = "django.core.cache.backends.memcached.PyLibMCCache"
    case memcached = "django.core.cache.backends.memcached.MemcachedCache"
    case locMem = "django.core.cache.backends.locmem.LocMemCache"
    case dummy = "django.core.cache.backends.dummy.DummyCache"

    /// Backends sites run that django-cachalot cannot use, and why.
    public static func unusable(_ path: String) -> String? {
        if path.hasPrefix("django_valkey.async_cache.") {
            return "django-valkey's async backend answers with coroutines, which django-cachalot's synchronous calls cannot use; its sync ValkeyCache (django_valkey.cache.ValkeyCache) or ClusterValkeyCache can"
        }
        return nil
    }

    /// locmem and dummy caches live inside each Django process: nothing
    /// outside the process can read or write them.
    public var livesInsideDjango: Bool { self == .locMem || self == .dummy }

    /// A short name for messages and JSON output.
    public var shortName: String {
        switch self {
        case .fileBased: return "filebased"
        case .redis: return "redis"
        case .djangoRedis: return "django-redis"
        case .djangoValkey: return "django-valkey"
        case .djangoValkeyCluster: return "django-valkey-cluster"
        case .pyMemcache: return "pymemcache"
        case .pyLibMC: return "pylibmc"
        case .memcached: return "memcached"
        case .locMem: return "locmem"
        case .dummy: return "dummy"
        }
    }
}
