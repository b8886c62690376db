/// `cachalot watch`: what to follow (every table key of the chosen caches ×
/// databases) and the tracker that turns successive reads of those keys
/// into invalidation events. It only reads: a poll is one
/// `inspectTimestamps` per cache (one round trip per server).
public struct WatchOperation {
    public var selection: Selection

    public init(_ selection: Selection) {
        self.selection = selection
    }

    /// Resolves the caches and the tables to follow, as `invalidate` with no
    /// label would (every table of each database, uncachable ones too: a
    /// key that moves is news whatever the settings say).
    public func prepare(settings: Settings, backends: Backends) throws -> WatchPlan {
        var targets = try Targets(settings: settings, selection: selection)
        try targets.readIn(schema: selection.schemas?.last, settings: settings, backends: backends)
        let (resolved, failures, notices) = try DatabaseTables.resolve(
            labels: [], databases: targets.databases, settings: settings, includingAutoCreated: false, backends: backends)
        var models: [TableKey: [String]] = [:]
        for database in resolved {
            for model in database.catalog.models {
                models[TableKey(databaseAlias: database.database.alias, table: model.table), default: []].append(model.label)
            }
        }
        return WatchPlan(caches: targets.caches, keys: resolved.flatMap(\.tableKeys),
                         models: models.mapValues { $0.sorted() }, skippedCaches: targets.skippedCaches,
                         failures: failures, notices: notices)
    }
}

/// What a watch follows.
public struct WatchPlan {
    public var caches: [CacheSettings]
    public var keys: [TableKey]
    /// The app.Model labels whose table each key is (MODELS or content types).
    public var models: [TableKey: [String]]
    public var skippedCaches: [SkippedCache]
    /// Databases whose tables could not be listed.
    public var failures: [TargetFailure]
    public var notices: [Notice]
}

/// One table key that moved: an invalidation.
public struct WatchEvent: Equatable, Sendable {
    public var cacheAlias: String
    public var key: TableKey
    public var models: [String]
    /// The new stored time: when the writer invalidated (its clock).
    public var time: Double
    /// The time it replaced; nil when the key was absent before.
    public var previous: Double?
    /// Keys of this cache and database that moved to the same time in the
    /// same poll: Django stamps every table of one write with one `time()`.
    public var together: Int

    /// Seconds since this table's previous invalidation, when known.
    public var gap: Double? { previous.map { time - $0 } }
}

/// Per table: how often it moved while watched.
public struct WatchTableSummary: Equatable, Sendable {
    public var cacheAlias: String
    public var key: TableKey
    public var models: [String]
    public var invalidations: Int
    public var last: Double
    /// Invalidations per minute over the watch; nil below
    /// `WatchTracker.eventsForRate`, where a rate would be a guess.
    public var perMinute: Double?
}

/// Compares each poll with the one before. The first poll of a cache only
/// sets what is known: a key present then is not news. Any change of a
/// stored time is an invalidation — Django stamps `time()`, which a
/// stepped clock can move backwards — and a key that vanished (evicted,
/// flushed, restarted cache) is forgotten quietly; if it comes back, that
/// is an invalidation with the last known gap. A key whose server did not
/// answer keeps what was known of it, so what changed while a server (or
/// the whole cache) was down is reported when it answers again.
public struct WatchTracker {
    private let models: [TableKey: [String]]
    /// The keys followed, with their cachalot keys (a SHA-1 each: computed once).
    private let keys: [(key: TableKey, cachalotKey: String)]
    private var known: [String: [TableKey: Double]] = [:]
    private var counts: [String: [TableKey: (count: Int, last: Double)]] = [:]
    /// The last time each key was seen, kept across a vanish, for gaps.
    private var lastSeen: [String: [TableKey: Double]] = [:]

    public init(keys: [TableKey], models: [TableKey: [String]]) {
        self.keys = keys.map { ($0, $0.cachalotKey) }
        self.models = models
    }

    /// Takes one poll of a cache (what `inspectTimestamps` returned for
    /// the keys, and the keys it could not read); returns its events,
    /// grouped by time.
    public mutating func observe(cacheAlias: String, stored: [String: StoredTimestamp],
                                 unread: Set<String> = []) -> [WatchEvent] {
        var current: [TableKey: Double] = [:]
        for (key, cachalotKey) in keys {
            if unread.contains(cachalotKey) {
                current[key] = known[cacheAlias]?[key]
            } else if case .time(let time)? = stored[cachalotKey] {
                current[key] = time
            }
        }
        defer {
            known[cacheAlias] = current
            lastSeen[cacheAlias, default: [:]].merge(current) { _, new in new }
        }
        guard let before = known[cacheAlias] else { return [] }
        var events: [WatchEvent] = []
        for (key, _) in keys {
            guard let time = current[key], before[key] != time else { continue }
            events.append(WatchEvent(cacheAlias: cacheAlias, key: key, models: models[key] ?? [], time: time,
                                     previous: before[key] ?? lastSeen[cacheAlias]?[key], together: 0))
        }
        var groupSizes: [String: Int] = [:]
        for event in events { groupSizes[Self.group(event), default: 0] += 1 }
        for index in events.indices {
            events[index].together = groupSizes[Self.group(events[index])]!
            let event = events[index]
            let previous = counts[cacheAlias]?[event.key]?.count ?? 0
            counts[cacheAlias, default: [:]][event.key] = (previous + 1, event.time)
        }
        return events.sorted { ($0.time, $0.key.databaseAlias, $0.key.table) < ($1.time, $1.key.databaseAlias, $1.key.table) }
    }

    /// Fewer invalidations than this give no rate: one event in a minute
    /// says nothing about the next hour.
    public static let eventsForRate = 3

    /// Every table that moved, busiest first (then most recent): the tables
    /// that keep the cache cold. `seconds` is how long the watch ran.
    public func summary(seconds: Double) -> [WatchTableSummary] {
        let minutes = max(seconds, 1) / 60
        return counts.flatMap { cache, tables in
            tables.map { key, value in
                WatchTableSummary(cacheAlias: cache, key: key, models: models[key] ?? [], invalidations: value.count,
                                  last: value.last, perMinute: value.count < Self.eventsForRate ? nil : Double(value.count) / minutes)
            }
        }.sorted {
            ($0.invalidations, $0.last, $1.cacheAlias, $1.key.databaseAlias, $1.key.table)
                > ($1.invalidations, $1.last, $0.cacheAlias, $0.key.databaseAlias, $0.key.table)
        }
    }

    private static func group(_ event: WatchEvent) -> String {
        "\(event.key.databaseAlias)\u{0}\(event.time)"
    }
}
