/// `cachalot invalidate`: django-cachalot's `invalidate()` from outside
/// Django. Every cachable table key of the chosen databases is set to one
/// `now` in each chosen cache, never moving a stored key backwards.
public struct InvalidateOperation {
    public var selection: Selection
    public var dryRun = false

    public init(_ selection: Selection, dryRun: Bool = false) {
        self.selection = selection
        self.dryRun = dryRun
    }

    public func run(settings: Settings, backends: Backends = Backends()) throws -> InvalidationReport {
        let targets = try Targets(settings: settings, selection: selection)
        let labels = selection.labels
        let (resolved, databaseFailures) = try DatabaseTables.resolve(
            labels: labels, databases: targets.databases, settings: settings,
            includingAutoCreated: true, backends: backends)
        let now = backends.now()
        var report = InvalidationReport(labels: labels, timestamp: now, dryRun: dryRun,
                                        skippedCaches: targets.skippedCaches,
                                        failedDatabases: databaseFailures)
        report.modelCount = labels.isEmpty ? nil : resolved.map(\.modelCount).max() ?? 0
        for cache in targets.caches {
            let store: CacheStore
            do {
                store = try backends.openCache(cache)
            } catch {
                report.failedCaches.append((cache.alias, "\(error)"))
                continue
            }
            for database in resolved {
                report.results.append(invalidate(database, in: store, settings: settings, now: now))
            }
        }
        return report
    }

    private func invalidate(_ database: DatabaseTables, in store: CacheStore, settings: Settings,
                            now: Double) -> InvalidationReport.CacheResult {
        let filter = CachableFilter(settings: settings.cachalot, catalog: database.catalog)
        let tables = database.tables.filter(filter.isCachable)
        var result = InvalidationReport.CacheResult(
            cacheAlias: store.settings.alias, address: store.address, databaseAlias: database.database.alias,
            tables: tables, skippedUncachable: database.tables.filter { !filter.isCachable($0) })
        let keys = tables.map { TableKey(databaseAlias: database.database.alias, table: $0) }
        result.keys = keys.map(\.cachalotKey)
        let tableByKey = Dictionary(uniqueKeysWithValues: keys.map { ($0.cachalotKey, $0.table) })
        do {
            let kept: [String: Double]
            if dryRun {
                kept = try store.readTimestamps(keys.map(\.cachalotKey)).filter { $0.value > now }
            } else {
                kept = try store.stampTables(keys.map(\.cachalotKey), at: now, timeout: settings.cachalot.timeout)
            }
            result.keptNewer = kept.compactMap { key, stored in tableByKey[key].map { ($0, stored) } }
                .sorted { $0.table < $1.table }
        } catch {
            result.error = "\(error)"
        }
        return result
    }
}

/// What `invalidate` did (or, with --dry-run, would do), for every output format.
public struct InvalidationReport {
    public struct CacheResult {
        public var cacheAlias: String
        public var address: String
        public var databaseAlias: String
        /// Cachable tables whose keys were set (or kept, see `keptNewer`).
        public var tables: [String]
        public var skippedUncachable: [String]
        /// The cachalot key of each table in `tables`, before Django's make_key.
        public var keys: [String] = []
        /// Tables whose stored timestamp was newer than this host's clock.
        public var keptNewer: [(table: String, stored: Double)] = []
        public var error: String?
    }

    public var labels: [String]
    /// Models named by the labels (nil when invalidating every table).
    public var modelCount: Int?
    public var timestamp: Double
    public var dryRun: Bool
    public var results: [CacheResult] = []
    public var skippedCaches: [(alias: String, reason: String)]
    public var failedDatabases: [(alias: String, error: String)]
    public var failedCaches: [(alias: String, error: String)] = []

    /// True when every cache and database was reached.
    public var succeeded: Bool {
        failedDatabases.isEmpty && failedCaches.isEmpty && results.allSatisfy { $0.error == nil }
    }
}
