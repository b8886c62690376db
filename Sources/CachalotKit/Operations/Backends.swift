/// How operations reach caches, databases and the clock. The defaults open
/// the real backends; tests substitute their own. Every part of cachalot
/// that needs the time asks `now`.
public struct Backends {
    public var openCache: (CacheSettings) throws -> CacheStore
    public var openDatabase: (DatabaseSettings) throws -> Database
    public var now: () -> Double

    /// The real backends; `timeout` overrides each cache's network timeouts
    /// and bounds each exchange with a database server.
    public init(timeout: Double? = nil, now: @escaping () -> Double = SystemClock.now) {
        self.init(openCache: { try CacheStoreFactory.open($0, timeout: timeout, clock: now) },
                  openDatabase: { try DatabaseFactory.open($0, timeout: timeout) }, now: now)
    }

    public init(openCache: @escaping (CacheSettings) throws -> CacheStore,
                openDatabase: @escaping (DatabaseSettings) throws -> Database = { try DatabaseFactory.open($0) },
                now: @escaping () -> Double = SystemClock.now) {
        self.openCache = openCache
        self.openDatabase = openDatabase
        self.now = now
    }

    /// Opens every store before anything is written, so a cache whose
    /// settings cachalot cannot honour (a usage error) stops the run whole;
    /// runtime failures stay per cache.
    public func openStores(_ caches: [CacheSettings]) throws -> [OpenedCache] {
        try caches.map { cache in
            do {
                return .opened(try openCache(cache))
            } catch let error as CachalotError where error.exitCode == .usage {
                throw error
            } catch {
                return .failed(TargetFailure(.cache(cache.alias), error))
            }
        }
    }
}

/// One cache of a run: its store, or why it could not be opened.
public enum OpenedCache {
    case opened(CacheStore)
    case failed(TargetFailure)
}
