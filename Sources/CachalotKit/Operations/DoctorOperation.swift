import Glibc

/// `cachalot doctor`: the checks an operator runs when a site serves stale
/// data — settings, reachability, clocks, keys stamped in the future, and
/// Redis configurations that fill up with cachalot's persistent keys.
public struct DoctorOperation {
    public var selection: Selection

    public init(_ selection: Selection) { self.selection = selection }

    /// A server clock further than this from ours is worth a warning.
    static let clockTolerance = 1.0
    /// maxmemory policies that never evict keys without an expiry.
    static let policiesKeepingPersistentKeys: Set<String> = [
        "noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    ]

    public func run(settings: Settings, backends: Backends) throws -> [DoctorCheck] {
        var checks = [DoctorCheck(.ok, "settings", "\(settings.path): \(TextFormatting.counted(settings.caches.count, "cache")), \(TextFormatting.counted(settings.databases.count, "database"))")]
        checks += settingsSanity(settings)
        let targets = try Targets(settings: settings, selection: Selection(cacheAlias: selection.cacheAlias,
                                                                           databaseAlias: selection.databaseAlias))
        for skipped in targets.skippedCaches {
            checks.append(DoctorCheck(.ok, "cache \(skipped.alias)", "not checked: \(skipped.reason)"))
        }
        let (databases, failures, _) = try DatabaseTables.resolve(labels: [], databases: targets.databases, settings: settings,
                                                               includingAutoCreated: true, backends: backends)
        var databaseOffsets: [(alias: String, offset: Double)] = []
        for database in databases {
            checks.append(DoctorCheck(.ok, "database \(database.database.alias)", "readable, \(TextFormatting.counted(database.tables.count, "table"))"))
            if let connection = database.connection {
                checks += serverChecks(connection, now: backends.now(), offsets: &databaseOffsets)
            }
        }
        for failure in failures {
            checks.append(DoctorCheck(.fail, "database \(failure.target.alias)", failure.description,
                                      fix: "check DATABASES.\(failure.target.alias) (NAME, permissions)"))
        }
        for opened in try backends.openStores(targets.caches) {
            switch opened {
            case .failed(let failure):
                checks.append(Self.unreachable(failure))
            case .opened(let store):
                checks += cacheChecks(store, databases: databases, settings: settings, now: backends.now(),
                                      databaseOffsets: databaseOffsets)
            }
        }
        return checks
    }

    /// The server's version against what Django supports, and its clock
    /// against this host's (a skewed database clock skews whatever a site
    /// stamps from it).
    private func serverChecks(_ database: Database, now: Double, offsets: inout [(alias: String, offset: Double)]) -> [DoctorCheck] {
        let alias = database.settings.alias
        let facts: DatabaseFacts
        do {
            facts = try database.serverFacts()
        } catch {
            return [DoctorCheck(.fail, "database \(alias)", CachalotError(error).message)]
        }
        var checks = [facts.unsupported.map {
            DoctorCheck(.warn, "version \(alias)", "\(facts.version): \($0)", fix: "upgrade the database server")
        } ?? DoctorCheck(.ok, "version \(alias)", facts.version)]
        if let serverTime = facts.serverTime {
            let offset = serverTime - now
            offsets.append((alias, offset))
            checks.append(abs(offset) > Self.clockTolerance
                ? DoctorCheck(.warn, "clock database \(alias)", "the database server's clock is \(Self.seconds(abs(offset))) s \(offset > 0 ? "ahead of" : "behind") this host's",
                              fix: "run NTP (chrony, systemd-timesyncd) on the database server and on every Django host")
                : DoctorCheck(.ok, "clock database \(alias)", "now() within \(Self.seconds(Self.clockTolerance)) s of this host (\(Self.seconds(offset)) s)"))
        }
        return checks
    }

    private func settingsSanity(_ settings: Settings) -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        if !settings.literalSecrets.isEmpty, let info = FileSystem.status(settings.path), info.st_mode & 0o044 != 0 {
            checks.append(DoctorCheck(.warn, "settings file", "\(settings.path) holds a password as it is (\(settings.literalSecrets.joined(separator: ", "))) and other users can read the file",
                                      fix: "write the password as ${VAR} and set VAR in the environment, or chmod 600 \(settings.path)"))
        }
        let options = settings.cachalot
        if !options.enabled {
            checks.append(DoctorCheck(.warn, "CACHALOT_ENABLED", "false: django-cachalot caches nothing", fix: "set CACHALOT_ENABLED = true, or remove cachalot"))
        }
        if !options.uncachableTables.contains("django_migrations") {
            checks.append(DoctorCheck(.warn, "CACHALOT_UNCACHABLE_TABLES", "does not contain django_migrations: queries on it are cached during migrations",
                                      fix: "add \"django_migrations\" to CACHALOT_UNCACHABLE_TABLES, as django-cachalot's default does"))
        }
        if let cache = settings.caches[options.cache], cache.backend.livesInsideDjango {
            checks.append(DoctorCheck(.warn, "CACHALOT_CACHE", "'\(cache.alias)' is a \(cache.backend.shortName) cache: every Django process keeps its own, so a write in one process never invalidates the others, and cachalot cannot reach it",
                                      fix: "point CACHALOT_CACHE at a shared cache (Redis, memcached or file-based)"))
        }
        if let cache = settings.caches[options.cache], let version = Self.clusterSetManyVersion(cache, timeout: options.timeout) {
            checks.append(DoctorCheck(.warn, "CACHALOT_TIMEOUT",
                                      "django-valkey's cluster backend takes set_many's second argument as the key version: django-cachalot's set_many(…, CACHALOT_TIMEOUT) writes the site's query results and its own invalidations under version \(version), which the site never reads (it reads version \(cache.version)): it caches nothing new, and what it cached before is never invalidated by its own writes; cachalot writes the version the site reads",
                                      fix: "set CACHALOT_TIMEOUT = None (the cluster backend's set_many sets no expiry anyway), or run cachalot invalidate after each write until django-valkey fixes set_many"))
        }
        if checks.isEmpty { checks.append(DoctorCheck(.ok, "CACHALOT_* settings", "no known pitfalls")) }
        return checks
    }

    /// The version django-valkey 0.4's cluster set_many writes table keys
    /// under (`mset_nonatomic(data, version=None)` given CACHALOT_TIMEOUT,
    /// then `version or VERSION`), when it is not the one the site reads.
    static func clusterSetManyVersion(_ cache: CacheSettings, timeout: Double?) -> String? {
        guard cache.backend == .djangoValkeyCluster, let timeout, timeout != 0 else { return nil }
        let written = cache.cachalotTimeoutIsFloat ? PythonFloatRepr.repr(timeout) : String(Int(timeout))
        return written == String(cache.version) ? nil : written
    }

    private func cacheChecks(_ store: CacheStore, databases: [DatabaseTables], settings: Settings, now: Double,
                             databaseOffsets: [(alias: String, offset: Double)]) -> [DoctorCheck] {
        let alias = store.settings.alias
        let facts: ServerFacts
        var tableKeys: [(database: String, table: String, timestamp: Double)] = []
        var unreadable: [(database: String, table: String, found: String)] = []
        let keys = databases.flatMap(\.tableKeys)
        do {
            facts = try store.serverFacts()
            let stored = try store.inspectTimestamps(keys.map(\.cachalotKey))
            for key in keys {
                switch stored[key.cachalotKey] {
                case .time(let time)?: tableKeys.append((key.databaseAlias, key.table, time))
                case .unreadable(let found)?: unreadable.append((key.databaseAlias, key.table, found))
                case nil: break
                }
            }
        } catch {
            return [Self.unreachable(TargetFailure(.cache(alias, at: store.address), error))]
        }
        var checks = [DoctorCheck(.ok, "cache \(alias)", "reachable at \(store.address), \(TextFormatting.counted(tableKeys.count, "table key"))")]
        // django-cachalot keeps its entries in CACHALOT_CACHE only: another
        // cache holds table keys only after an invalidation.
        if alias == settings.cachalot.cache, tableKeys.isEmpty, unreadable.isEmpty, !keys.isEmpty {
            // Query entries with no table key prove a mismatch only when
            // every database's keys were looked for and none can expire.
            let conclusive = selection.databaseAlias == nil && settings.cachalot.timeout == nil
            checks.append(Self.siteKeysCheck(store, keys: keys, conclusive: conclusive))
        }
        let servers = facts.members.isEmpty ? [(address: store.address, facts: facts)] : facts.members
        for server in servers {
            guard let offset = server.facts.clockOffset else { continue }
            let tolerance = Self.clockTolerance + server.facts.clockResolution
            let name = facts.members.isEmpty ? "clock \(alias)" : "clock \(alias) \(server.address)"
            checks.append(abs(offset) > tolerance
                ? DoctorCheck(.warn, name, "the cache server's clock is \(Self.seconds(abs(offset))) s \(offset > 0 ? "ahead of" : "behind") this host's",
                              fix: "run NTP (chrony, systemd-timesyncd) on every host that writes to this cache")
                : DoctorCheck(.ok, name, "server time within \(Self.seconds(tolerance)) s of this host (\(Self.seconds(offset)) s)"))
            for database in databaseOffsets where abs(database.offset - offset) > tolerance {
                checks.append(DoctorCheck(.warn, "\(name) vs database \(database.alias)",
                                          "the cache server's and the database server's clocks differ by \(Self.seconds(abs(offset - database.offset))) s",
                                          fix: "run NTP on both servers"))
            }
        }
        let consequence = [.pyMemcache, .pyLibMC, .memcached].contains(store.settings.backend)
            ? "the keys that hash to it cannot be stamped (pymemcache sends them to another server once it gives up on this one; pylibmc fails them)"
            : "the site sends reads to this replica, and cachalot cannot check what it holds"
        for server in facts.unreachable {
            checks.append(DoctorCheck(.fail, "cache \(alias) \(server.address)", "\(server.reason): \(consequence)",
                                      fix: "start the server, or take it out of LOCATION on every Django host at once"))
        }
        checks += memoryChecks(facts, alias: alias, settings: settings, tableKeys: tableKeys.count)
        for key in unreadable {
            checks.append(DoctorCheck(.warn, "unreadable table key \(alias)",
                                      "table \(key.table) (database '\(key.database)') holds \(key.found), not a timestamp: Django treats it as missing or fails to read it",
                                      fix: "cachalot invalidate \(key.table) -c \(alias) overwrites it"))
        }
        let future = tableKeys.filter { $0.timestamp > now }.sorted { $0.timestamp > $1.timestamp }
        if future.isEmpty {
            checks.append(DoctorCheck(.ok, "future table keys \(alias)", "no table key is stamped after this host's clock"))
        }
        for key in future {
            checks.append(DoctorCheck(.warn, "future table key \(alias)",
                                      "table \(key.table) (database '\(key.database)') is stamped \(Self.seconds(key.timestamp - now)) s in the future: a server writing to this cache has its clock ahead, and queries cached by slower clocks look fresh until then",
                                      fix: "sync the clocks of every Django server (NTP); then run cachalot invalidate \(key.table) -c \(alias) once the time has passed"))
        }
        return checks
    }

    /// No table key of the site under the settings' KEY_PREFIX and VERSION
    /// (or in its folder): a fresh cache, or settings that are not the
    /// site's, where every stamp lands where Django never reads. The site's
    /// table keys under another prefix, or query entries without any table
    /// key (django-cachalot sets a query's table keys when it caches it),
    /// say which.
    private static func siteKeysCheck(_ store: CacheStore, keys: [TableKey], conclusive: Bool) -> DoctorCheck {
        let name = "site keys \(store.settings.alias)"
        let fix = "compare LOCATION, KEY_PREFIX and VERSION with the site's CACHES, or export the settings again (README)"
        do {
            if let listing = store as? KeyNameListing {
                let digests = Set(keys.map(\.cachalotKey))
                var prefixes: [String: Int] = [:]
                try listing.listKeyNames { key in
                    if key.utf8.count > 40, digests.contains(String(key.suffix(40))) { prefixes[String(key.dropLast(40)), default: 0] += 1 }
                }
                // On a cache keyed by schema, the site's keys under another
                // schema's prefix are its own (tenants' requests made them).
                let tenants = prefixes.compactMap { prefix, count in
                    schema(making: prefix, with: store.keyMaker).map { (prefix: prefix, count: count, schema: $0) }
                }
                for tenant in tenants { prefixes[tenant.prefix] = nil }
                if let (prefix, count) = prefixes.max(by: { $0.value < $1.value }) {
                    return DoctorCheck(.fail, name, "none of this site's table keys is under \(quoted(store.entryName(forKey: ""))), the settings' KEY_PREFIX and VERSION, but \(count) are under \(quoted(prefix)): cachalot writes where Django never reads", fix: fix)
                }
                if let busiest = tenants.max(by: { $0.count < $1.count }) {
                    return DoctorCheck(.ok, name, "\(busiest.count) of this site's table keys are under \(quoted(busiest.prefix)), schema \(quoted(busiest.schema))'s; none yet under the public schema's")
                }
            }
            var entries = 0, queryEntries = 0
            try store.scan(lastRead: false) { entry in
                entries += 1
                if try StatsOperation.classify(entry, store: store).0 == .queryEntries { queryEntries += 1 }
            }
            if queryEntries > 0 {
                return DoctorCheck(conclusive ? .fail : .warn, name, "the cache holds \(queryEntries) django-cachalot query entries but none of this site's table keys: KEY_PREFIX, VERSION or the database aliases may differ from the site's" + (conclusive ? "" : " (or the table keys expired: CACHALOT_TIMEOUT, or another database's entries: -d)"), fix: fix)
            }
            return DoctorCheck(.warn, name, entries == 0 ? "the cache holds no entry at all: a fresh cache, or not the one the site uses"
                               : "no table key of this site yet: a fresh cache, or not the one the site uses", fix: fix)
        } catch {
            // A refusal (an ACL without SCAN) is a warning; a server that stopped
            // answering during the look is the cache down, whatever came before.
            do {
                _ = try store.serverFacts()
            } catch let down {
                return DoctorCheck(.fail, name, "the cache stopped answering while its keys were read: \(CachalotError(error).message) (then: \(CachalotError(down).message))",
                                   fix: "start the cache server, or check the network to it")
            }
            return DoctorCheck(.warn, name, "cannot look for the site's keys: \(CachalotError(error).message)")
        }
    }

    /// The schema whose keys start with `prefix` under this cache's key
    /// function, if one does (a schema name may hold colons: every split
    /// is tried); nil for a key function without a schema.
    private static func schema(making prefix: String, with keyMaker: DjangoKeyMaker) -> String? {
        guard keyMaker.template.usesSchema else { return nil }
        let colons = prefix.indices.filter { prefix[$0] == ":" }
        return colons.lazy.map { String(prefix[..<$0]) }.first { keyMaker.makeKey("", schema: $0) == prefix }
    }

    /// Redis maxmemory policies and memcached evictions and item size limit.
    private func memoryChecks(_ facts: ServerFacts, alias: String, settings: Settings, tableKeys: Int) -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        if let maxmemory = facts.value("maxmemory").flatMap(Int.init), maxmemory > 0,
           let policy = facts.value("maxmemory_policy"), Self.policiesKeepingPersistentKeys.contains(policy),
           settings.cachalot.timeout == nil {
            checks.append(DoctorCheck(.warn, "redis memory \(alias)",
                                      "maxmemory is \(maxmemory) bytes with policy \(policy), which never evicts keys without an expiry, and CACHALOT_TIMEOUT is None: cachalot's keys persist until Redis refuses writes with OOM (\(tableKeys) table keys now)",
                                      fix: "set CACHALOT_TIMEOUT (e.g. 86400), or maxmemory-policy allkeys-lru"))
        }
        if let evictions = facts.value("evictions").flatMap(Int.init), evictions > 0, settings.cachalot.timeout == nil {
            checks.append(DoctorCheck(.warn, "memcached memory \(alias)",
                                      "memcached evicted \(evictions) items while CACHALOT_TIMEOUT is None: cachalot's keys never expire and compete for memory; an evicted table key makes Django run its queries again, an evicted entry is a miss",
                                      fix: "give memcached more memory (-m), or set CACHALOT_TIMEOUT"))
        }
        if let limit = facts.value("item_size_max").flatMap(Int.init), let largest = facts.value("largest_chunk_in_use").flatMap(Int.init),
           largest * 2 >= limit {
            checks.append(DoctorCheck(.warn, "memcached item size \(alias)",
                                      "items of up to \(largest) bytes are stored, at least half of the item size limit (\(limit) bytes): a query result over the limit is silently not cached (django-cachalot's \"error 37\")",
                                      fix: "raise memcached's -I, or keep large querysets out of the cache (CACHALOT_UNCACHABLE_TABLES)"))
        }
        return checks
    }

    private static func unreachable(_ failure: TargetFailure) -> DoctorCheck {
        DoctorCheck(.fail, "cache \(failure.target.alias)", failure.description,
                    fix: "check CACHES.\(failure.target.alias) and that its server runs")
    }

    static func seconds(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return PythonFloatRepr.repr(rounded)
    }
}

/// One line of `doctor`: a status, what was checked, what was found, how to fix it.
public struct DoctorCheck: Equatable, Sendable {
    public enum Status: String, Sendable { case ok = "OK", warn = "WARN", fail = "FAIL" }

    public var status: Status
    public var name: String
    public var message: String
    public var fix: String?

    public init(_ status: Status, _ name: String, _ message: String, fix: String? = nil) {
        self.status = status
        self.name = name
        self.message = message
        self.fix = fix
    }
}
