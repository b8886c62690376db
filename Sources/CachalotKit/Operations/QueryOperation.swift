/// `cachalot query`: runs SQL through django-cachalot's cache with its read
/// rule (docs/FORMATS.md, "Query keys"), or peeks at what Django cached, or runs a write and
/// invalidates the tables it wrote.
public struct QueryOperation {
    public enum Mode: Sendable { case cached, noCache, peek }

    public var sql: String
    /// Parameters as text: each is Python's `str(p)` of the value Django
    /// would pass; each engine binds them as its driver would.
    public var parameters: [String]
    public var selection: Selection
    public var mode: Mode
    public var allowWrite: Bool

    public init(sql: String, parameters: [String], selection: Selection, mode: Mode = .cached, allowWrite: Bool = false) {
        self.sql = sql
        self.parameters = parameters
        self.selection = selection
        self.mode = mode
        self.allowWrite = allowWrite
    }

    public func run(settings: Settings, backends: Backends) throws -> QueryOutcome {
        let databaseAlias = selection.databaseAlias ?? "default"
        var databaseSettings = try settings.database(databaseAlias)
        var cacheSettings = try settings.cache(selection.cacheAlias ?? settings.cachalot.cache)
        if let tenancy = settings.tenancy {
            try Self.enter(selection.schemas?.last, of: tenancy, cache: &cacheSettings, database: &databaseSettings,
                           settings: settings, backends: backends)
        }
        // Before anything runs: a write's invalidation would refuse after its commit.
        try Catalog.refuseAppFiltersWithoutModels(settings)
        let key = QueryKey(databaseAlias: databaseAlias, sql: sql, parameters: parameters)
        let analysisKey = key.analysisKey(database: databaseSettings.identity)
        let cache = CacheOnce { try backends.openCache(cacheSettings) }
        let remembers = remembers(settings, database: databaseAlias, cache: cacheSettings)
        if remembers, let outcome = remembered(key: key, at: analysisKey, settings: settings, cache: cacheSettings, store: cache) {
            return outcome
        }

        let database = try backends.openDatabase(databaseSettings)
        var analysis = try database.analyze(sql, parameters: parameters)
        guard analysis.parameterCount == parameters.count else {
            throw CachalotError.usage("the statement has \(analysis.parameterCount) placeholders and \(parameters.count) --param values were given; nothing was run")
        }
        let learned = analysis
        analysis = Self.withModelTables(analysis, settings: settings, sql: sql)
        if RawSQLRules.changesData(sql) || !analysis.isReadOnly {
            guard allowWrite else {
                throw CachalotError.usage("this statement changes data; nothing was run",
                                          hint: "add --write to run it in a transaction and invalidate the tables it writes")
            }
            return try write(database: database, analysis: analysis, parameters: parameters, settings: settings, backends: backends)
        }
        var outcome = QueryOutcome(columns: analysis.columns, tables: analysis.readTables)
        let catalog = try Catalog.load(settings: settings, database: database)
        if let reason = uncachableReason(analysis, settings: settings, catalog: catalog, database: databaseAlias,
                                         cache: cacheSettings) {
            guard mode != .peek else { throw CachalotError.usage("not cachable (\(reason)): there is nothing to peek at") }
            outcome.status = .uncachable(reason)
            outcome.rows = try database.read(sql, parameters: parameters)
            return outcome
        }
        let store = try cache.store()
        let tables = Self.tablesRead(analysis, settings: settings)
        let tableKeys = tables.map { TableKey(databaseAlias: databaseAlias, table: $0).cachalotKey }
        let entryKeys = self.entryKeys(key)
        let stored = try store.readValues(tableKeys + entryKeys)
        outcome = judged(outcome, tables: tables, tableKeys: tableKeys, entryKeys: entryKeys, key: key, stored: stored)
        let now = backends.now()
        // What the database said, for the next call, with the stamps the tables hold (or get now).
        let memo = remembers && mode == .cached
            ? memo(of: learned, stamps: Dictionary(zip(tables, tableKeys).map { ($0, stored[$1]?.number ?? now) }, uniquingKeysWith: { first, _ in first }),
                   catalog: catalog, database: database, settings: settings)
            : nil
        if outcome.status == .hit {
            // A hit stands whether or not the analysis could be kept.
            if let memo { try? store.writeValues([analysisKey: memo.value], timeout: settings.cachalot.timeout) }
            return outcome
        }
        if mode == .peek { return outcome }
        let rows = try database.read(sql, parameters: parameters)
        outcome.rows = rows
        if outcome.status != .stale { outcome.status = .miss }
        var toSet: [String: PickleValue] = [key.commandLineKey: .tuple([.float(now), .list(rows.map(PickleValue.tuple))])]
        for tableKey in tableKeys where stored[tableKey] == nil { toSet[tableKey] = .float(now) }
        if let memo { toSet[analysisKey] = memo.value }
        try store.writeValues(toSet, timeout: settings.cachalot.timeout)
        return outcome
    }

    /// Whether what the database says about a statement may be kept and
    /// used without it (RememberedAnalysis). Its stamps change with a schema
    /// change made through Django only when django-cachalot invalidates
    /// the tables raw SQL names (CACHALOT_INVALIDATE_RAW). On a tenant site,
    /// --schema is checked against the database anyway. A read the settings
    /// alone make uncachable never needs the cache.
    private func remembers(_ settings: Settings, database: String, cache: CacheSettings) -> Bool {
        mode != .noCache && settings.cachalot.invalidateRaw && !RawSQLRules.changesData(sql)
            && !(settings.tenancy != nil && selection.schemas != nil)
            && settings.cachalot.enabled && settings.cachesQueries(onDatabase: database) && !cache.backend.livesInsideDjango
    }

    /// What to remember about the statement, or nil. Only tables a schema
    /// change made through Django invalidates: a model's (MODELS, or the
    /// content types) or CACHALOT_ADDITIONAL_TABLES, listed as tables by
    /// introspection. The database is asked again after the stamps were
    /// read: a change committed (and its tables invalidated) between the
    /// first analysis and that read would otherwise be kept with stamps
    /// newer than what the analysis saw.
    private func memo(of learned: StatementAnalysis, stamps: [String: Double], catalog: Catalog,
                      database: Database, settings: Settings) -> RememberedAnalysis? {
        let watched = Set(catalog.models.map(\.table) + settings.cachalot.additionalTables).intersection(catalog.tables)
        guard let memo = RememberedAnalysis(learned, stamps: stamps, tables: Array(watched)),
              (try? database.analyze(sql, parameters: parameters)) == learned else { return nil }
        return memo
    }

    /// Django's own entry is read (a hit when fresh); the command line's
    /// own results live under a key Django never reads. --peek looks at Django's only.
    private func entryKeys(_ key: QueryKey) -> [String] {
        mode == .peek ? [key.cachalotKey] : [key.cachalotKey, key.commandLineKey]
    }

    /// The outcome without the database: what an earlier call remembered
    /// about the statement, still holding (RememberedAnalysis), then the
    /// entries judged by the hit rule. A hit (or, with --peek, any verdict)
    /// is returned; nil sends the call to the database, which answers the
    /// rest, errors included.
    private func remembered(key: QueryKey, at analysisKey: String, settings: Settings, cache: CacheSettings,
                            store opened: CacheOnce) -> QueryOutcome? {
        let entryKeys = self.entryKeys(key)
        guard let store = try? opened.store(), var stored = opened.reading({ try store.readValues([analysisKey] + entryKeys) }),
              let memo = RememberedAnalysis(stored[analysisKey]), memo.parameterCount == parameters.count else { return nil }
        let analysis = Self.withModelTables(memo.analysis, settings: settings, sql: sql)
        let catalog = Catalog(databaseAlias: key.databaseAlias, tables: [], models: settings.models.map(Catalog.fromModelsSetting) ?? [],
                              introspected: false, settingsPath: settings.path)
        guard uncachableReason(analysis, settings: settings, catalog: catalog, database: key.databaseAlias, cache: cache) == nil
        else { return nil }
        let tables = Self.tablesRead(analysis, settings: settings)
        let tableKeys = tables.map { TableKey(databaseAlias: key.databaseAlias, table: $0).cachalotKey }
        guard let stamps = opened.reading({ try store.readValues(tableKeys) }) else { return nil }
        stored.merge(stamps) { _, table in table }
        let current = Dictionary(zip(tables, tableKeys).map { ($0, stored[$1]?.number) }, uniquingKeysWith: { first, _ in first })
        guard memo.holds(for: tables, current: current) else { return nil }
        var outcome = judged(QueryOutcome(columns: analysis.columns, tables: tables), tables: tables, tableKeys: tableKeys,
                             entryKeys: entryKeys, key: key, stored: stored)
        guard outcome.status == .hit || mode == .peek else { return nil }
        outcome.databaseOpened = false
        return outcome
    }

    /// cachalot's read rule over what the cache holds: an entry is fresh
    /// when every table key exists and the entry's time is at least the
    /// newest of them. Sets the status (hit, stale, or left as not cached),
    /// the entry's time, the tables' stamps and, for a hit or a peek, the rows.
    private func judged(_ outcome: QueryOutcome, tables: [String], tableKeys: [String], entryKeys: [String], key: QueryKey,
                        stored: [String: PickleValue]) -> QueryOutcome {
        var outcome = outcome
        outcome.tables = tables
        outcome.tableTimestamps = zip(tables, tableKeys).map { ($0, stored[$1]?.number) }
        let newest = tableKeys.allSatisfy { stored[$0] != nil } ? tableKeys.compactMap { stored[$0]?.number }.max() : nil
        for entryKey in entryKeys {
            // A tuple, or a list where the serializer has no tuples (JSON, msgpack).
            guard let pair = Self.items(stored[entryKey]), pair.count == 2, case .float(let time) = pair[0] else { continue }
            let rows = entryKey == key.commandLineKey ? Self.rows(ofOwn: pair[1]) : Self.rows(of: pair[1])
            outcome.entryTimestamp = time
            if let newest, time >= newest, let rows {
                outcome.status = .hit
                outcome.rows = rows
                return outcome
            }
            outcome.status = .stale
            if mode == .peek { outcome.rows = rows ?? [] }
        }
        return outcome
    }

    /// The analysis with the MODELS db_tables the statement touches though
    /// the engine names them otherwise (modelTables).
    private static func withModelTables(_ analysis: StatementAnalysis, settings: Settings, sql: String) -> StatementAnalysis {
        guard let models = settings.models else { return analysis }
        var analysis = analysis
        analysis.readTables += modelTables(Array(models.values), naming: analysis.readTables + analysis.qualifiedReadTables, in: sql)
        analysis.writtenTables += modelTables(Array(models.values), naming: analysis.writtenTables + analysis.qualifiedWrittenTables,
                                              in: analysis.writtenTables.isEmpty ? "" : sql)
        analysis.readTables = analysis.readTables.uniqued()
        analysis.writtenTables = analysis.writtenTables.uniqued()
        return analysis
    }

    /// The tables whose keys the hit rule reads: the statement's, then CACHALOT_ADDITIONAL_TABLES.
    private static func tablesRead(_ analysis: StatementAnalysis, settings: Settings) -> [String] {
        analysis.readTables + settings.cachalot.additionalTables.filter { !analysis.readTables.contains($0) }
    }

    /// On a tenant site the statement runs as a request of one schema runs
    /// it: with that schema's search path (--schema, else the public one)
    /// and, on a cache keyed by schema, its entry keyed in that schema.
    private static func enter(_ named: String?, of tenancy: Tenancy, cache: inout CacheSettings, database: inout DatabaseSettings,
                              settings: Settings, backends: Backends) throws {
        let schema = named ?? tenancy.publicSchema
        if let named {
            _ = try TenantSchemas.selected(Selection(schemas: [named]), caches: [cache], settings: settings, backends: backends)
            cache.schema = named
        }
        if database.alias == tenancy.databaseAlias { database.searchPath = tenancy.searchPath(in: schema) }
    }

    /// MODELS db_tables a statement touches though the engine names them
    /// otherwise: a schema-qualified `"public"."shelf"` is the relation
    /// public.shelf, and Django's raw-SQL rule finds a db_table written
    /// in the text as it is.
    static func modelTables(_ tables: [String], naming relations: [String], in sql: String) -> [String] {
        let named = Set(relations)
        let unquoted = tables.filter { named.contains($0.escaping { $0 == "\"" ? "" : nil }) }
        return (unquoted + RawSQLRules.tablesNamed(in: sql, among: tables)).filter { !named.contains($0) }.uniqued()
    }

    private func uncachableReason(_ analysis: StatementAnalysis, settings: Settings, catalog: Catalog,
                                  database: String, cache: CacheSettings) -> String? {
        if mode == .noCache { return "--no-cache" }
        if let reason = analysis.uncachableReason { return reason }
        if !analysis.tablesCertain { return "the database could not plan it, so the tables it reads are not known" }
        if !settings.cachalot.enabled { return "CACHALOT_ENABLED is false" }
        if !settings.cachesQueries(onDatabase: database) {
            return "database '\(database)' is not in CACHALOT_DATABASES"
        }
        if cache.backend.livesInsideDjango { return "cache '\(cache.alias)': " + CachalotError.skipReason(cache) }
        if analysis.readTables.isEmpty { return "it reads no table" }
        let filter = CachableFilter(settings: settings.cachalot, catalog: catalog)
        if let table = analysis.readTables.first(where: { !filter.isCachable($0) }) { return "table \(table) is uncachable" }
        if !settings.cachalot.cacheRandom && RawSQLRules.ordersByRandom(sql) {
            return "it orders by random and CACHALOT_CACHE_RANDOM is false"
        }
        return nil
    }

    /// Runs the change in a transaction, then invalidates the tables it
    /// wrote (DML and DDL) in every cache, as django-cachalot does for raw
    /// SQL with CACHALOT_INVALIDATE_RAW. Everything that can refuse the run
    /// is checked before the commit; after it, a failure says what was committed.
    private func write(database: Database, analysis: StatementAnalysis, parameters: [String],
                       settings: Settings, backends: Backends) throws -> QueryOutcome {
        var outcome = QueryOutcome(columns: [], tables: analysis.writtenTables)
        let selection = Selection(cacheAlias: selection.cacheAlias, databaseAlias: database.settings.alias)
        let invalidates = settings.cachalot.invalidateRaw
        if invalidates { try InvalidateOperation(selection, exactTables: []).check(settings: settings, backends: backends) }
        let written = try database.write(sql, parameters: parameters)
        outcome.changedRows = written.changedRows
        let models = settings.models.map { Array($0.values) } ?? []
        outcome.tables = (analysis.writtenTables + written.laterTables
            + Self.modelTables(models, naming: written.laterTables + written.laterQualifiedTables, in: "")).uniqued()
        outcome.status = .written
        guard invalidates, !outcome.tables.isEmpty else { return outcome }
        do {
            outcome.invalidation = try InvalidateOperation(selection, exactTables: outcome.tables).run(settings: settings, backends: backends)
        } catch {
            var report = InvalidationReport(labels: [], timestamp: backends.now(), dryRun: false, skippedCaches: [], failures: [])
            report.failures.append(TargetFailure(.database(database.settings.alias, at: database.settings.address),
                                                 CachalotError(error).at("the change was committed (\(TextFormatting.counted(written.changedRows, "row")) changed), but invalidating \(outcome.tables.joined(separator: ", ")) failed")))
            outcome.invalidation = report
        }
        return outcome
    }

    /// The items of a tuple, or of a list (JSON and msgpack have no tuples).
    static func items(_ value: PickleValue?) -> [PickleValue]? {
        switch value {
        case .tuple(let items)?, .list(let items)?: return items
        default: return nil
        }
    }

    /// Rows of Django's cached result: a list of chunks of row tuples
    /// (multi-row queries; a chunk is a tuple with MySQL's driver), or one
    /// row tuple (single-row queries). With a serializer that has no
    /// tuples, a list whose items are all lists of lists is the chunks, any
    /// other list the one row.
    static func rows(of result: PickleValue) -> [[PickleValue]]? {
        switch result {
        case .tuple(let row): return [row]
        case .list(let elements):
            let chunks = elements.map { element -> [[PickleValue]]? in
                guard let chunk = Self.items(element) else { return nil }
                let rows = chunk.compactMap { Self.items($0) }
                return rows.count == chunk.count ? rows : nil
            }
            if chunks.allSatisfy({ $0 != nil }) { return chunks.flatMap { $0! } }
            return elements.contains { if case .tuple = $0 { return true } else { return false } } ? nil : [elements]
        default: return nil
        }
    }

    /// Rows of an entry `query` stored: a list of row tuples (lists with
    /// JSON and msgpack).
    static func rows(ofOwn result: PickleValue) -> [[PickleValue]]? {
        guard case .list(let rows) = result else { return nil }
        let values = rows.compactMap { items($0) }
        return values.count == rows.count ? values : nil
    }
}

/// The cache of one `query` run, opened on first use. A failure to open
/// or read it is kept and thrown again at the next use: a cache that does
/// not answer is waited for once, not once per path.
private final class CacheOnce {
    private let open: () throws -> CacheStore
    private var opened: Result<CacheStore, Error>?

    init(_ open: @escaping () throws -> CacheStore) { self.open = open }

    func store() throws -> CacheStore {
        let result = opened ?? Result { try open() }
        opened = result
        return try result.get()
    }

    /// The read's result, or nil when it failed (the failure is kept).
    func reading<T>(_ read: () throws -> T) -> T? {
        do { return try read() } catch {
            opened = .failure(error)
            return nil
        }
    }
}

/// What `query` did and found.
public struct QueryOutcome {
    public enum Status: Equatable {
        case hit, miss, stale, uncachable(String), written, notCached
    }

    public var columns: [String]
    public var tables: [String]
    public var status: Status = .notCached
    public var rows: [[PickleValue]] = []
    /// When the cached entry was stored, if there is one.
    public var entryTimestamp: Double?
    /// Each table's stored invalidation time (nil: no key, the entry is stale).
    public var tableTimestamps: [(table: String, timestamp: Double?)] = []
    public var changedRows: Int?
    public var invalidation: InvalidationReport?
    /// False when what an earlier call learned answered without the database.
    public var databaseOpened = true
}
