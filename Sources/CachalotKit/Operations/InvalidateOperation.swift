/// `cachalot invalidate`: django-cachalot's `invalidate()` from outside
/// Django. Every cachable table key of the chosen databases is set to one
/// `now` in each chosen cache, never moving a stored key backwards.
public struct InvalidateOperation {
    public var selection: Selection
    public var dryRun = false
    /// Table names taken as they are, without label rules (what a raw
    /// statement wrote, which may no longer exist after a DROP).
    public var exactTables: [String]?

    public init(_ selection: Selection, dryRun: Bool = false, exactTables: [String]? = nil) {
        self.selection = selection
        self.dryRun = dryRun
        self.exactTables = exactTables
    }

    /// Raises now what `run` would refuse as a usage error (an unknown
    /// alias, cache settings cachalot cannot honour), writing nothing.
    public func check(settings: Settings, backends: Backends) throws {
        let targets = try Targets(settings: settings, selection: selection)
        _ = try backends.openStores(targets.caches)
    }

    public func run(settings: Settings, backends: Backends) throws -> InvalidationReport {
        let targets = try Targets(settings: settings, selection: selection)
        let labels = selection.labels
        try Catalog.refuseAppFiltersWithoutModels(settings)
        // Queries on a database the site does not cache are never in the
        // cache: such a database is not even opened (a named one still is).
        let (cached, uncached) = selection.databaseAlias != nil ? (targets.databases, [])
            : (targets.databases.filter { settings.cachesQueries(onDatabase: $0.alias) },
               targets.databases.filter { !settings.cachesQueries(onDatabase: $0.alias) })
        var (resolved, databaseFailures, resolvedNotices) = try DatabaseTables.resolve(
            labels: labels, databases: cached, settings: settings,
            includingAutoCreated: true, modelNames: false, backends: backends, exactTables: exactTables)
        let now = backends.now()
        var report = InvalidationReport(labels: labels, timestamp: now, dryRun: dryRun,
                                        skippedCaches: targets.skippedCaches, failures: databaseFailures)
        report.notices = resolvedNotices + uncached.map {
            .detail("database '\($0.alias)': left out, the site does not cache its queries (CACHALOT_DATABASES)")
        }
        report.modelCount = labels.isEmpty ? nil : resolved.map(\.modelCount).max() ?? 0
        let stores = try backends.openStores(targets.caches)
        let schemas = try TenantSchemas.selected(selection, caches: targets.caches, settings: settings, backends: backends)
        if labels.isEmpty, exactTables == nil, schemas != nil, let tenancy = settings.tenancy {
            report.notices += TenantSchemas.addTablesOfEverySchema(&resolved, tenancy: tenancy, failures: &report.failures)
        }
        // Django keys a query on any table under the schema of the request
        // that ran it, and every schema reads the shared tables: each table
        // is stamped in each schema.
        for opened in stores {
            switch opened {
            case .failed(let failure): report.failures.append(failure)
            case .opened(let store):
                let inSchemas: [String?] = store.keyMaker.template.usesSchema ? schemas ?? [] : [nil]
                invalidate(resolved, in: store, schemas: inSchemas, settings: settings, now: now, into: &report)
            }
        }
        return report
    }

    /// Every database's table keys, in every schema, go to the store in
    /// one call: one round trip per server for the whole invalidation.
    private func invalidate(_ databases: [DatabaseTables], in store: CacheStore, schemas: [String?], settings: Settings,
                            now: Double, into report: inout InvalidationReport) {
        var results = databases.flatMap { database -> [InvalidationReport.CacheResult] in
            let filter = CachableFilter(settings: settings.cachalot, catalog: database.catalog)
            let tables = database.tables.filter(filter.isCachable)
            let keys = tables.map { TableKey(databaseAlias: database.database.alias, table: $0).cachalotKey }
            return schemas.map { schema in
                InvalidationReport.CacheResult(
                    cacheAlias: store.settings.alias, address: store.address, databaseAlias: database.database.alias,
                    schema: schema, tables: tables, skippedUncachable: database.tables.filter { !filter.isCachable($0) },
                    keys: keys, madeKeys: keys.map { store.keyMaker.makeKey($0, schema: schema) })
            }
        }
        let keys = results.flatMap(\.madeKeys)
        guard !keys.isEmpty else {
            report.results += results
            return
        }
        let outcome: StampOutcome
        do {
            outcome = dryRun ? try Self.wouldStamp(keys, in: store, at: now)
                             : try store.stampTables(made: keys, at: now, timeout: settings.cachalot.timeout)
        } catch let partial as PartialStampFailure {
            let recorded = RecordedOutcome(partial.outcome, sent: keys)
            for index in results.indices { results[index].record(recorded) }
            report.results += results
            let written = results.flatMap(\.written)
            report.failures.append(TargetFailure(.cache(store.settings.alias, at: store.address),
                                                 partial.error.at("wrote \(written.count) of \(TextFormatting.counted(keys.count, "table key")) (\(Self.list(written))), then")))
            return
        } catch {
            report.failures.append(TargetFailure(.cache(store.settings.alias, at: store.address), error))
            return
        }
        let recorded = RecordedOutcome(outcome, sent: keys)
        for index in results.indices {
            results[index].record(recorded)
            // The address may be known only now (the master a sentinel named).
            results[index].address = store.address
        }
        report.results += results
        if !outcome.skipped.isEmpty {
            let skipped = results.flatMap { $0.skipped.map(\.table) }
            report.failures.append(TargetFailure(.cache(store.settings.alias, at: store.address),
                                                 CachalotError.runtime("left \(TextFormatting.counted(skipped.count, "table key")) it cannot read (\(Self.list(skipped)))")))
        }
    }

    /// What stamping would do, from a read: --dry-run writes nothing.
    private static func wouldStamp(_ keys: [String], in store: CacheStore, at now: Double) throws -> StampOutcome {
        let stored = try store.inspectTimestamps(made: keys)
        var outcome = StampOutcome()
        for key in keys {
            switch stored[key] {
            case .time(let time)? where time > now: outcome.keptNewer[key] = time
            case .unreadable(let found)?: outcome.replacedUnreadable[key] = found; outcome.written.append(key)
            case .time?: outcome.written.append(key)
            case nil: outcome.written.append(key); outcome.created.append(key)
            }
        }
        return outcome
    }

    private static func list(_ tables: [String]) -> String {
        tables.isEmpty ? "none" : tables.prefix(10).joined(separator: ", ") + (tables.count > 10 ? ", …" : "")
    }
}

/// One store's StampOutcome with its key lists as sets, made once for the
/// results of every schema and database it covers (per result, 1,001
/// schemas cost a million set inserts: 70 ms).
struct RecordedOutcome {
    let outcome: StampOutcome
    /// nil when every key sent was written, in the order sent: the usual
    /// run, told without a set of every key (10,000 tables: 2 ms of hashing).
    let written: Set<String>?
    let created: Set<String>
    let onRunnerUp: Set<String>

    init(_ outcome: StampOutcome, sent keys: [String]) {
        self.outcome = outcome
        written = outcome.written == keys ? nil : Set(outcome.written)
        created = Set(outcome.created)
        onRunnerUp = Set(outcome.onRunnerUp)
    }

    func wasWritten(_ key: String) -> Bool { written?.contains(key) ?? true }
}

/// What `invalidate` did (or, with --dry-run, would do), for every output format.
public struct InvalidationReport {
    public struct CacheResult {
        public var cacheAlias: String
        public var address: String
        public var databaseAlias: String
        /// The tenant schema the keys were made in (nil: a key function without one).
        public var schema: String?
        /// Cachable tables whose keys were set (or kept, see `keptNewer`).
        public var tables: [String]
        public var skippedUncachable: [String]
        /// The cachalot key of each table in `tables`, before Django's make_key.
        public var keys: [String]
        /// The key of each table as the cache server sees it.
        public var madeKeys: [String]
        /// Tables whose key was set to the new time.
        public var written: [String] = []
        /// Tables among `written` whose key did not exist before.
        public var created: [String] = []
        /// Tables among `written` stamped only on a stand-in for their dead server.
        public var onRunnerUp: [String] = []
        /// Tables whose stored timestamp was newer than this host's clock.
        public var keptNewer: [(table: String, stored: Double)] = []
        /// Tables (among `written`) whose old value was not a timestamp, and what it was.
        public var replacedUnreadable: [(table: String, found: String)] = []
        /// Tables whose key could not be read, left alone, and why.
        public var skipped: [(table: String, reason: String)] = []

        /// The tables each list of `recorded` names; a list that is empty
        /// (most are, on most runs) costs no pass over the keys.
        mutating func record(_ recorded: RecordedOutcome) {
            let pairs = zip(tables, madeKeys)
            let outcome = recorded.outcome
            written = recorded.written == nil ? tables : pairs.filter { recorded.wasWritten($0.1) }.map(\.0)
            created = recorded.created.isEmpty ? [] : pairs.filter { recorded.created.contains($0.1) }.map(\.0)
            onRunnerUp = recorded.onRunnerUp.isEmpty ? [] : pairs.filter { recorded.onRunnerUp.contains($0.1) }.map(\.0)
            keptNewer = outcome.keptNewer.isEmpty ? [] : pairs.compactMap { table, key in outcome.keptNewer[key].map { (table, $0) } }
            replacedUnreadable = outcome.replacedUnreadable.isEmpty ? [] : pairs.compactMap { table, key in
                recorded.wasWritten(key) ? outcome.replacedUnreadable[key].map { (table, $0) } : nil
            }
            skipped = outcome.skipped.isEmpty ? [] : pairs.compactMap { table, key in outcome.skipped[key].map { (table, $0) } }
        }
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
    /// What label resolution wants the user to know.
    public var notices: [Notice] = []

    /// True when every cache and database was reached.
    public var succeeded: Bool { failures.isEmpty }
}
