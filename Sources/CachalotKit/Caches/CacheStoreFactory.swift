/// Opens the `CacheStore` for a cache alias: the one place that maps a
/// BACKEND to the file that implements it.
public enum CacheStoreFactory {
    /// Checks the cache's settings and returns its store; servers are
    /// contacted on first use. `timeout` (seconds) overrides the backend's
    /// connect and reply timeouts.
    public static func open(_ cache: CacheSettings, timeout: Double? = nil) throws -> CacheStore {
        switch cache.backend {
        case .fileBased:
            return FileBasedCacheStore(settings: cache)
        case .redis, .djangoRedis:
            return try RedisCacheStore(settings: cache, timeout: timeout)
        case .locMem, .dummy:
            throw CachalotError.usage(
                "cache '\(cache.alias)' uses \(cache.backend.rawValue), which lives inside each Django process; no other program can read or write it",
                hint: "use a shared cache (Redis, memcached, file-based) for django-cachalot, or leave this cache out")
        case .pyMemcache, .pyLibMC, .memcached:
            throw CachalotError.runtime(
                "cache '\(cache.alias)': \(cache.backend.rawValue) is not built yet in this version of cachalot",
                hint: "supported now: file-based and Redis caches")
        }
    }
}
