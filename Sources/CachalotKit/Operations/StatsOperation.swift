/// `cachalot stats`: what each cache holds, split into cachalot table keys,
/// cachalot query entries and other keys, and per database which tables
/// were invalidated when. Entries are streamed; memory does not grow with
/// the number of keys.
public struct StatsOperation {
    public var selection: Selection
    /// Called now and then during a scan with the cache alias and the
    /// number of entries seen so far.
    public var progress: ((String, Int) -> Void)?
    /// Whether query entries are counted by when they were last read
    /// (--idle): on Redis that is two more commands per key.
    public var lastRead: Bool

    public init(_ selection: Selection, lastRead: Bool = false, progress: ((String, Int) -> Void)? = nil) {
        self.selection = selection
        self.lastRead = lastRead
        self.progress = progress
    }

    public func run(settings: Settings, backends: Backends) throws -> StatsReport {
        var targets = try Targets(settings: settings, selection: Selection(cacheAlias: selection.cacheAlias,
                                                                           databaseAlias: selection.databaseAlias))
        try targets.readIn(schema: selection.schemas?.last, settings: settings, backends: backends)
        let (databases, databaseFailures, _) = try DatabaseTables.resolve(
            labels: [], databases: targets.databases, settings: settings, includingAutoCreated: true, backends: backends)
        var report = StatsReport(skippedCaches: targets.skippedCaches, failedDatabases: databaseFailures)
        for (cache, opened) in zip(targets.caches, try backends.openStores(targets.caches)) {
            var stats = CacheStats(alias: cache.alias, backend: cache.backend, location: "")
            switch opened {
            case .failed(let failure):
                stats.failure = failure
            case .opened(let store):
                stats.location = store.address
                do {
                    try collect(into: &stats, store: store, databases: databases)
                } catch {
                    // What a scan counted before it failed is no figure of the cache: none is
                    // kept, only the server's facts if they were read.
                    let server = stats.server
                    stats = CacheStats(alias: cache.alias, backend: cache.backend, location: store.address)
                    stats.server = server
                    stats.failure = TargetFailure(.cache(cache.alias, at: store.address), error)
                }
            }
            report.caches.append(stats)
        }
        return report
    }

    /// Which group an entry that is not a table key belongs to, and a query
    /// entry's timestamp. Values are decoded fully only when their outline
    /// does not tell: a value that then fails to decode is unreadable.
    static func classify(_ entry: CacheEntry, store: CacheStore) throws -> (EntryGroup, Double?) {
        guard !entry.unreadable else { return (.unreadable, nil) }
        guard let found = try readable({ try store.outline(of: entry) }) else { return (.unreadable, nil) }
        // nil: a number the backend stores as text.
        guard let outline = found else { return (.otherKeys, nil) }
        switch QueryEntryProbe.probe(outline) {
        case .queryEntry(let time):
            return (.queryEntries, time)
        case .notQueryEntry where outline.head.first == PickleOpcode.proto.rawValue:
            return (.otherKeys, nil)
        case .notQueryEntry, .unknown:
            guard let whole = try readable({ try store.pickleBytes(of: entry) }), let bytes = whole,
                  let value = try? PickleReader.read(bytes) else { return (.unreadable, nil) }
            if case .tuple(let items) = value, items.count == 2, case .float(let time) = items[0] { return (.queryEntries, time) }
            return (.otherKeys, nil)
        }
    }

    /// What `read` gives, or nil when the entry cannot be read (it counts as
    /// unreadable). A value the server did not send (`EntryFetchFailure`)
    /// is the server's failure, not the entry's: no count is right after it.
    private static func readable<Value>(_ read: () throws -> Value) throws -> Value? {
        do {
            return try read()
        } catch let failure as EntryFetchFailure {
            throw failure.error
        } catch {
            return nil
        }
    }

    private func collect(into stats: inout CacheStats, store: CacheStore, databases: [DatabaseTables]) throws {
        stats.server = try store.serverFacts()
        var tableByName: [String: (database: Int, table: String)] = [:]
        for (index, database) in databases.enumerated() {
            for table in database.tables {
                tableByName[store.entryName(forKey: TableKey(databaseAlias: database.database.alias, table: table).cachalotKey)] = (index, table)
            }
        }
        var invalidations = databases.map { _ in [String: Double]() }
        var seen = 0
        do {
            try store.scan(lastRead: lastRead) { entry in
                seen += 1
                if seen % 10_000 == 0 { progress?(stats.alias, seen) }
                if entry.expired { stats.expiredFiles += 1 }
                let group: EntryGroup
                if let owner = tableByName[entry.name], !entry.unreadable {
                    if let time = (try? store.decode(entry))?.number, time.isFinite {
                        group = .tableKeys
                        if !entry.expired { invalidations[owner.database][owner.table] = time }
                    } else {
                        group = .unreadable
                    }
                } else {
                    let (kind, time) = try Self.classify(entry, store: store)
                    group = kind
                    if let time {
                        stats.oldestQuery = min(stats.oldestQuery ?? time, time)
                        stats.newestQuery = max(stats.newestQuery ?? time, time)
                    }
                }
                stats.groups[group, default: GroupStats()].add(entry)
                if group == .queryEntries { stats.lastRead.add(entry) }
            }
        } catch let unavailable as EntryListingUnavailable {
            // The cache cannot list its entries (memcached with SASL): the
            // table keys are known by name, so their times are read directly.
            stats.unlisted = unavailable.reason
            for (name, stored) in try store.inspectTimestamps(made: Array(tableByName.keys)) {
                if case .time(let time) = stored, let owner = tableByName[name] { invalidations[owner.database][owner.table] = time }
            }
        }
        progress?(stats.alias, -1)
        stats.lastReadSource = store.lastReadSource()
        stats.databases = databases.enumerated().map { index, database in
            let modelByTable = Dictionary(database.catalog.models.map { ($0.table, $0.label) }, uniquingKeysWith: { a, _ in a })
            let rows = invalidations[index].map { TableInvalidation(table: $0.key, label: modelByTable[$0.key], timestamp: $0.value) }
                .sorted { ($0.timestamp, $1.table) > ($1.timestamp, $0.table) }
            return DatabaseStats(alias: database.database.alias, tableCount: database.tables.count, invalidations: rows)
        }
    }
}

/// The three kinds of entries a cachalot cache holds.
public enum EntryGroup: String, CaseIterable, Sendable {
    case tableKeys = "table"
    case queryEntries = "query"
    case otherKeys = "other"
    /// Entries that cannot be read: truncated or corrupt files, values that
    /// do not decompress or unpickle, files over the size limit.
    case unreadable
}

/// Count and size of one group of entries.
public struct GroupStats: Equatable, Sendable {
    public var count = 0
    public var bytes = 0
    public var persistent = 0
    public var expiring = 0

    public init() {}

    mutating func add(_ entry: CacheEntry) {
        count += 1
        bytes += entry.size
        if entry.expiresAt == nil { persistent += 1 } else { expiring += 1 }
    }
}

/// One table's stored invalidation time.
public struct TableInvalidation: Equatable, Sendable {
    public var table: String
    /// "app.Model" from MODELS or content types, when known.
    public var label: String?
    public var timestamp: Double
}

/// One database as one cache sees it.
public struct DatabaseStats: Equatable, Sendable {
    public var alias: String
    public var tableCount: Int
    /// Stored table timestamps, newest first.
    public var invalidations: [TableInvalidation]
}

/// One cache's contents.
public struct CacheStats {
    public var alias: String
    public var backend: CacheBackend
    public var location: String
    public var failure: TargetFailure?
    public var server = ServerFacts()
    public var groups: [EntryGroup: GroupStats] = [:]
    /// File cache only: files past their expiry that Django has not deleted yet.
    public var expiredFiles = 0
    public var oldestQuery: Double?
    public var newestQuery: Double?
    public var databases: [DatabaseStats] = []
    /// Query entries by when they were last read, and how the store knows.
    public var lastRead = LastReadStats()
    public var lastReadSource: LastReadSource?
    /// Why the entries could not be listed (memcached with SASL: the binary
    /// protocol has no listing); the groups are then unknown, the tables'
    /// invalidations read key by key.
    public var unlisted: String?

    public var reachable: Bool { failure == nil }

    public func stats(of group: EntryGroup) -> GroupStats { groups[group] ?? GroupStats() }
}

/// What `stats` found, for every output format.
public struct StatsReport {
    public var caches: [CacheStats] = []
    public var skippedCaches: [SkippedCache]
    public var failedDatabases: [TargetFailure]

    public var succeeded: Bool { failedDatabases.isEmpty && caches.allSatisfy(\.reachable) }
}

/// Query entries by when they were last read (`stats --idle`): idle-time
/// buckets, or LFU-counter buckets on a Redis that keeps no idle time.
public struct LastReadStats: Equatable, Sendable {
    public struct Tally: Equatable, Sendable {
        public var count = 0
        public var bytes = 0
    }

    /// Names and upper bounds (inclusive below 1 min … 1 day, seconds).
    public static let idleBuckets: [(name: String, upTo: Double)] = [("1m", 60), ("1h", 3600), ("1d", 86_400), ("older", .infinity)]
    /// Redis's LFU counter: 5 for a new key, decaying by 1 a minute unread
    /// (lfu-decay-time), growing logarithmically with reads.
    public static let frequencyBuckets: [(name: String, upTo: Double)] = [("freq_0", 0), ("freq_1_4", 4), ("freq_5_9", 9), ("freq_10_plus", .infinity)]

    public var idle = Array(repeating: Tally(), count: idleBuckets.count)
    public var frequency = Array(repeating: Tally(), count: frequencyBuckets.count)
    /// Entries whose store keeps no read time (a noatime mount).
    public var unknown = Tally()
    public var sawFrequencies = false

    public init() {}

    mutating func add(_ entry: CacheEntry) {
        switch entry.lastRead {
        case .idle(let seconds)?:
            let index = Self.idleBuckets.firstIndex { seconds < $0.upTo || $0.upTo == .infinity }!
            idle[index].count += 1
            idle[index].bytes += entry.size
        case .frequency(let counter)?:
            sawFrequencies = true
            let index = Self.frequencyBuckets.firstIndex { Double(counter) <= $0.upTo }!
            frequency[index].count += 1
            frequency[index].bytes += entry.size
        case nil:
            unknown.count += 1
            unknown.bytes += entry.size
        }
    }

    /// Every bucket that applies, in order: idle ones (and LFU ones when
    /// the store gave counters), then unknown.
    public var buckets: [(name: String, tally: Tally)] {
        var result = zip(Self.idleBuckets, idle).map { ($0.0.name, $0.1) }
        if sawFrequencies { result += zip(Self.frequencyBuckets, frequency).map { ($0.0.name, $0.1) } }
        return result + [("unknown", unknown)]
    }

    /// The share of query-entry bytes not read for over a day: memory spent
    /// for nothing. Nil when no entry has an idle time.
    public var unreadForADayShare: Double? {
        let total = idle.reduce(0) { $0 + $1.bytes }
        return total == 0 ? nil : Double(idle[idle.count - 1].bytes) / Double(total)
    }
}
