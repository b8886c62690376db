/// `cachalot sync`: invalidates exactly the tables whose database says they
/// changed since the last sync, without being told which. Per cache and
/// database, the evidence of the previous sync is kept in the cache itself
/// (`SyncState`), so that every host running sync agrees and a flushed
/// cache is a first run, as it should be: the site's cache is empty too.
///
/// Evidence is read before invalidating and saved only after the
/// invalidation succeeded. Two syncs racing may save each other's older
/// evidence: the next sync then sees a difference and invalidates again.
/// A change is never lost that way, since every evidence saved was read
/// before the stamps of the tables that differed from it were written.
public struct SyncOperation {
    public var selection: Selection
    public var dryRun: Bool

    public init(_ selection: Selection, dryRun: Bool = false) {
        self.selection = selection
        self.dryRun = dryRun
    }

    public func run(settings: Settings, backends: Backends) throws -> SyncReport {
        let targets = try Targets(settings: settings, selection: selection)
        if let tenant = targets.caches.first(where: { $0.keyFunction.template.usesSchema }) {
            throw CachalotError.usage("cache '\(tenant.alias)' keys by tenant schema: sync reads the evidence of the public schema only, and would miss the tenants' tables; nothing was invalidated",
                                      hint: "run cachalot invalidate, which stamps every schema")
        }
        try Catalog.refuseAppFiltersWithoutModels(settings)
        let databases = selection.databaseAlias != nil ? targets.databases
            : targets.databases.filter { settings.cachesQueries(onDatabase: $0.alias) }
        let (resolved, databaseFailures, _) = try DatabaseTables.resolve(
            labels: [], databases: databases, settings: settings, includingAutoCreated: true, modelNames: false, backends: backends)
        var report = SyncReport(dryRun: dryRun, skippedCaches: targets.skippedCaches, failures: databaseFailures)
        var evidence: [(database: DatabaseTables, evidence: ChangeEvidence, readAt: Double)] = []
        for database in resolved {
            do {
                let connection = try database.connection ?? backends.openDatabase(database.database)
                guard let source = connection as? ChangeEvidenceSource else {
                    throw CachalotError.usage("database '\(database.database.alias)': its engine gives no evidence of change")
                }
                let readAt = SystemClock.now()
                evidence.append((database, try source.changeEvidence(of: database.tables), readAt))
            } catch let error as CachalotError where error.exitCode == .usage {
                throw error
            } catch {
                report.failures.append(TargetFailure(.database(database.database.alias, at: database.database.address), error))
            }
        }
        for (cache, opened) in zip(targets.caches, try backends.openStores(targets.caches)) {
            switch opened {
            case .failed(let failure):
                report.failures.append(failure)
            case .opened(let store):
                sync(store, cache: cache, evidence: evidence, settings: settings, backends: backends, into: &report)
            }
        }
        return report
    }

    private func sync(_ store: CacheStore, cache: CacheSettings, evidence: [(database: DatabaseTables, evidence: ChangeEvidence, readAt: Double)],
                      settings: Settings, backends: Backends, into report: inout SyncReport) {
        let target = Target.cache(cache.alias, at: store.address)
        // Saved evidence that cannot be read (another serializer since, a
        // damaged file) is no evidence: a first run, which overwrites it. A
        // cache that cannot be reached fails in the invalidation instead.
        let stored = (try? store.readValues(evidence.map { SyncState.key(database: $0.database.database.alias) })) ?? [:]
        for (database, found, readAt) in evidence {
            let alias = database.database.alias
            let previous = stored[SyncState.key(database: alias)].flatMap(SyncState.init(value:))
            var result = SyncReport.Result(cacheAlias: cache.alias, databaseAlias: alias, tables: database.tables.count,
                                           limits: found.limits, evidenceReadAt: readAt)
            (result.reason, result.changed) = SyncState.changes(from: previous, to: found, tables: database.tables)
            // Uncachable tables are followed (the evidence covers them) but
            // never invalidated: the site caches nothing on them.
            let filter = CachableFilter(settings: settings.cachalot, catalog: database.catalog)
            result.changed = result.changed.filter(filter.isCachable)
            guard !dryRun else {
                report.results.append(result)
                continue
            }
            guard !result.changed.isEmpty else {
                // Only uncachable tables moved (or nothing): the evidence is
                // saved, so that they are not reported again.
                if previous.map({ $0 != SyncState(found) }) ?? true {
                    do {
                        try store.writeValues([SyncState.key(database: alias): SyncState(found).value], timeout: nil)
                        result.stateSaved = true
                    } catch {
                        report.failures.append(TargetFailure(target, error))
                    }
                }
                report.results.append(result)
                continue
            }
            do {
                let invalidation = try InvalidateOperation(Selection(cacheAlias: cache.alias, databaseAlias: alias),
                                                           exactTables: result.changed).run(settings: settings, backends: backends)
                result.invalidated = invalidation.succeeded
                report.failures += invalidation.failures
                if invalidation.succeeded {
                    try store.writeValues([SyncState.key(database: alias): SyncState(found).value], timeout: nil)
                    result.stateSaved = true
                }
            } catch {
                report.failures.append(TargetFailure(target, error))
            }
            report.results.append(result)
        }
    }
}

/// What `sync` did (or, with --dry-run, would do).
public struct SyncReport {
    public enum Reason: String, Sendable {
        /// No evidence saved in this cache: every table.
        case firstRun = "first run"
        /// The evidence restarted (statistics reset, server restart): every table.
        case evidenceRestarted = "evidence restarted"
        /// The tables whose evidence differs from the saved one.
        case evidence
    }

    public struct Result {
        public var cacheAlias: String
        public var databaseAlias: String
        /// How many tables the database has (changed or not).
        public var tables: Int
        public var reason = Reason.evidence
        public var changed: [String] = []
        /// What the engine's evidence cannot see.
        public var limits: String
        /// When the evidence was read (this host's clock): writes committed
        /// before it are covered, within the engine's `limits`.
        public var evidenceReadAt: Double
        public var invalidated = false
        public var stateSaved = false
    }

    public var dryRun: Bool
    public var results: [Result] = []
    public var skippedCaches: [SkippedCache]
    public var failures: [TargetFailure]

    public var succeeded: Bool { failures.isEmpty }
}
