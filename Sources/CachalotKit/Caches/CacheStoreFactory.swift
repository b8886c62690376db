/// Opens the `CacheStore` for a cache alias: the one place that maps a
/// BACKEND to the file that implements it.
public enum CacheStoreFactory {
    /// Checks the cache's settings and returns its store; servers are
    /// contacted on first use. `timeout` (seconds) overrides the backend's
    /// connect and reply timeouts; `clock` is this host's wall clock.
    public static func open(_ cache: CacheSettings, timeout: Double?, clock: @escaping () -> Double) throws -> CacheStore {
        switch cache.backend {
        case .fileBased:
            return FileBasedCacheStore(settings: cache, clock: clock)
        case .redis, .djangoRedis, .djangoValkey, .djangoValkeyCluster:
            return try RedisCacheStore(settings: cache, timeout: timeout, clock: clock)
        case .locMem, .dummy:
            throw CachalotError.livesInsideDjango(cache)
        case .pyMemcache, .pyLibMC:
            return try MemcachedCacheStore(settings: cache, timeout: timeout, clock: clock)
        case .memcached:
            throw CachalotError.usage("cache '\(cache.alias)': \(cache.backend.rawValue) (python-memcached) was removed in Django 4.1",
                                      hint: "Django's replacements read the same servers: django.core.cache.backends.memcached.PyMemcacheCache or PyLibMCCache")
        }
    }
}
