/// `cachalot last-invalidation`: django-cachalot's `get_last_invalidation()`
/// — the newest stored table timestamp over the chosen caches × databases,
/// 0.0 when none is stored. Like Django, it does not filter uncachable
/// tables, and `app.Model` means that model's own table.
public struct LastInvalidationOperation {
    public var selection: Selection

    public init(_ selection: Selection) {
        self.selection = selection
    }

    public func run(settings: Settings, backends: Backends) throws -> LastInvalidationReport {
        let targets = try Targets(settings: settings, selection: selection)
        let (resolved, databaseFailures, notices) = try DatabaseTables.resolve(
            labels: selection.labels, databases: targets.databases, settings: settings,
            includingAutoCreated: false, backends: backends)
        var report = LastInvalidationReport(skippedCaches: targets.skippedCaches, failures: databaseFailures)
        report.notices = notices
        let keys = resolved.flatMap(\.tableKeys)
        let stores = try backends.openStores(targets.caches)
        let schemas = try TenantSchemas.selected(selection, caches: targets.caches, settings: settings, backends: backends)
        for opened in stores {
            let store: CacheStore
            switch opened {
            case .failed(let failure): report.failures.append(failure); continue
            case .opened(let opened): store = opened
            }
            let inSchemas: [String?] = store.keyMaker.template.usesSchema ? schemas ?? [] : [nil]
            do {
                let made = inSchemas.flatMap { schema in keys.map { (key: $0, schema: schema, made: store.keyMaker.makeKey($0.cachalotKey, schema: schema)) } }
                let stored = try store.inspectTimestamps(made: made.map(\.made))
                for (key, schema, madeKey) in made {
                    switch stored[madeKey] {
                    case .time(let timestamp)?:
                        report.tables.append(.init(cacheAlias: store.settings.alias, databaseAlias: key.databaseAlias,
                                                   schema: schema, table: key.table, timestamp: timestamp))
                    case .unreadable(let found)?:
                        report.unreadable.append((store.settings.alias, key.databaseAlias, key.table, found))
                    case nil:
                        break
                    }
                }
            } catch {
                report.failures.append(TargetFailure(.cache(store.settings.alias, at: store.address), error))
            }
        }
        report.tables.sort { ($0.timestamp, $1.table) > ($1.timestamp, $0.table) }
        return report
    }
}

/// Stored table timestamps, newest first, and what could not be read.
public struct LastInvalidationReport {
    public struct TableTimestamp: Equatable {
        public var cacheAlias: String
        public var databaseAlias: String
        /// The tenant schema the key was read in (nil: a key function without one).
        public var schema: String? = nil
        public var table: String
        public var timestamp: Double
    }

    public var tables: [TableTimestamp] = []
    /// Table keys holding something that is not a timestamp: counted as missing, as Django would.
    public var unreadable: [(cacheAlias: String, databaseAlias: String, table: String, found: String)] = []
    public var skippedCaches: [SkippedCache]
    public var failures: [TargetFailure]
    /// What label resolution wants the user to know.
    public var notices: [Notice] = []

    /// `get_last_invalidation()`'s value: the newest timestamp, or 0.0.
    public var lastInvalidation: Double { tables.first?.timestamp ?? 0.0 }
}
