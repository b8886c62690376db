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

    public func run(settings: Settings, backends: Backends) throws -> InvalidationReport {
        let targets = try Targets(settings: settings, selection: selection)
        let labels = selection.labels
        let (resolved, databaseFailures) = try DatabaseTables.resolve(
            labels: labels, databases: targets.databases, settings: settings,
            includingAutoCreated: true, backends: backends)
        let now = backends.now()
        var report = InvalidationReport(labels: labels, timestamp: now, dryRun: dryRun,
                                        skippedCaches: targets.skippedCaches, failures: databaseFailures)
        report.modelCount = labels.isEmpty ? nil : resolved.map(\.modelCount).max() ?? 0
        for opened in try backends.openStores(targets.caches) {
            switch opened {
            case .failed(let failure): report.failures.append(failure)
            case .opened(let store): invalidate(resolved, in: store, settings: settings, now: now, into: &report)
            }
        }
        return report
    }

    /// Every database's table keys go to the store in one call: one round
    /// trip per server for the whole invalidation.
    private func invalidate(_ databases: [DatabaseTables], in store: CacheStore, settings: Settings,
                            now: Double, into report: inout InvalidationReport) {
        var results = databases.map { database -> InvalidationReport.CacheResult in
            let filter = CachableFilter(settings: settings.cachalot, catalog: database.catalog)
            let tables = database.tables.filter(filter.isCachable)
            return InvalidationReport.CacheResult(
                cacheAlias: store.settings.alias, address: store.address, databaseAlias: database.database.alias,
                tables: tables, skippedUncachable: database.tables.filter { !filter.isCachable($0) },
                keys: tables.map { TableKey(databaseAlias: database.database.alias, table: $0).cachalotKey })
        }
        let keys = results.flatMap(\.keys)
        if !keys.isEmpty {
            do {
                let kept = dryRun
                    ? try store.readTimestamps(keys).filter { $0.value > now }
                    : try store.stampTables(keys, at: now, timeout: settings.cachalot.timeout)
                for index in results.indices {
                    results[index].keptNewer = zip(results[index].tables, results[index].keys)
                        .compactMap { table, key in kept[key].map { (table, $0) } }
                }
            } catch {
                report.failures.append(TargetFailure(.cache(store.settings.alias, at: store.address), error))
                return
            }
        }
        report.results += results
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
        public var keys: [String]
        /// Tables whose stored timestamp was newer than this host's clock.
        public var keptNewer: [(table: String, stored: Double)] = []
    }

    public var labels: [String]
    /// Models named by the labels (nil when invalidating every table).
    public var modelCount: Int?
    public var timestamp: Double
    public var dryRun: Bool
    /// One per cache × database that was written (or read, for a dry run).
    public var results: [CacheResult] = []
    public var skippedCaches: [SkippedCache]
    /// Caches and databases that failed; the others were still processed.
    public var failures: [TargetFailure]

    /// True when every cache and database was reached.
    public var succeeded: Bool { failures.isEmpty }
}
