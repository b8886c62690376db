/// How operations reach caches, databases and the clock. The defaults open
/// the real backends; tests substitute their own.
public struct Backends {
    public var openCache: (CacheSettings) throws -> CacheStore
    public var openDatabase: (DatabaseSettings) throws -> Database
    public var now: () -> Double

    /// The real backends; `timeout` overrides each cache's network timeouts.
    public init(timeout: Double?) {
        self.init(openCache: { try CacheStoreFactory.open($0, timeout: timeout) })
    }

    public init(openCache: @escaping (CacheSettings) throws -> CacheStore = { try CacheStoreFactory.open($0) },
                openDatabase: @escaping (DatabaseSettings) throws -> Database = DatabaseFactory.open,
                now: @escaping () -> Double = SystemClock.now) {
        self.openCache = openCache
        self.openDatabase = openDatabase
        self.now = now
    }
}
