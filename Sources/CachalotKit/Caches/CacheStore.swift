/// Reading table keys: what `watch` needs of a cache (keys are cachalot
/// keys, before `make_key`).
public protocol TableKeyReader {
    /// What each key holds as a table timestamp (absent keys are left out).
    /// A pool with some servers down throws `PartialReadFailure`.
    func inspectTimestamps(_ keys: [String]) throws -> [String: StoredTimestamp]
}

/// Stamping table keys: what `invalidate` needs of a cache. Keys are made
/// keys (after the cache's KEY_FUNCTION), so that one call can stamp a
/// table under many tenants' schemas; `stampTables(_:at:timeout:)` takes
/// cachalot keys in the store's own schema.
public protocol TableKeyStamping {
    /// Sets every made key to `now` with `timeout` (nil: never expires), except
    /// keys whose stored timestamp is already newer: a table key is never
    /// moved backwards. A value that cannot be read as a timestamp counts as
    /// missing and is overwritten. Throws `PartialStampFailure` when the
    /// store fails after writing some keys.
    func stampTables(made keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome
}

/// Reading and writing values under cachalot keys: what `query` needs.
public protocol EntryValues {
    /// The decoded values stored under cachalot keys (present, not expired).
    func readValues(_ keys: [String]) throws -> [String: PickleValue]

    /// Stores values as Django's `set_many` does, with `timeout` (nil: never
    /// expires; 0: deleted, as Django does).
    func writeValues(_ values: [String: PickleValue], timeout: Double?) throws
}

/// Visiting every entry of a cache: what `stats` needs.
/// Thrown by `scan` and `listKeyNames` of a cache whose protocol cannot
/// list keys (memcached with SASL): what is known by name is still read.
public struct EntryListingUnavailable: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "the entries cannot be listed: " + reason }
}

/// Thrown by `pickleBytes` when the whole value it had to fetch did not
/// come (the server stopped answering, the connection closed): a failure of
/// the scan, not an unreadable entry.
public struct EntryFetchFailure: Error {
    public var error: CachalotError
}

public protocol EntryScanning {
    /// How `scan` names the entry stored under a cachalot key: the made key
    /// (Redis) or the file name (file cache).
    func entryName(forKey key: String) -> String

    /// Visits every entry under this cache's KEY_PREFIX and VERSION, in
    /// batches, without holding them all in memory. `lastRead`: the caller
    /// needs each entry's `lastRead` (a store that gets it for free, from a
    /// file's atime or memcached's metadump, fills it anyway).
    func scan(lastRead: Bool, _ visit: (CacheEntry) throws -> Void) throws

    /// The pickle inside an entry's value (decompressed, at most
    /// `valueLimit` bytes), or nil for a value the backend stores as plain
    /// text (Redis integers).
    func pickleBytes(of entry: CacheEntry) throws -> [UInt8]?

    /// The start and end of the pickle inside an entry's value, read without
    /// holding it whole; nil for a plain-text integer.
    func outline(of entry: CacheEntry) throws -> PickleOutline?

    /// How `scan` learned when each entry was last read (`CacheEntry.lastRead`),
    /// and whether scanning counted as a read; asked after a scan.
    func lastReadSource() -> LastReadSource
}

/// Facts about the server behind a cache: what `stats` and `doctor` show.
public protocol ServerDescribing {
    /// Redis INFO and TIME, memcached's stats (a pool's members one by one,
    /// the unreachable ones with why); empty for caches without a server.
    func serverFacts() throws -> ServerFacts
}

/// A cache of one of Django's backends, with every capability the
/// commands use. Keys given to it are cachalot keys (before `make_key`);
/// each backend applies its cache's key maker. Optional capabilities
/// (`ChangeFeedSource`, `KeyNameListing`) are declared by the stores that
/// have them.
public protocol CacheStore: TableKeyReader, TableKeyStamping, EntryValues, EntryScanning, ServerDescribing {
    var settings: CacheSettings { get }

    /// The cache's make_key, in the schema the store was opened for.
    var keyMaker: DjangoKeyMaker { get }

    /// `inspectTimestamps` by made keys (the results keyed by them).
    func inspectTimestamps(made keys: [String]) throws -> [String: StoredTimestamp]

    /// Where the cache lives, for messages ("/var/cache/django", "redis://…").
    var address: String { get }
}

/// When an entry was last read, as its store keeps it.
public enum LastRead: Equatable, Sendable {
    /// Seconds since the last read (Redis OBJECT IDLETIME, memcached la=,
    /// a file's access time).
    case idle(Double)
    /// Redis under an LFU maxmemory-policy keeps no idle time, only its
    /// logarithmic access counter (OBJECT FREQ).
    case frequency(Int)
}

/// How a store knows when its entries were last read.
public struct LastReadSource: Equatable, Sendable {
    /// In words: "Redis OBJECT IDLETIME", "file access times", ….
    public var method: String
    /// True when reading the entries for the scan counted as a read: the
    /// next figures start from this scan.
    public var scanResetsIt: Bool
    /// What limits the figures (relatime), or why there are none (noatime).
    public var caveat: String?

    public init(method: String, scanResetsIt: Bool, caveat: String? = nil) {
        self.method = method
        self.scanResetsIt = scanResetsIt
        self.caveat = caveat
    }
}

/// A value that inflates beyond this is not decoded whole (it is counted
/// as unreadable): 32 MiB, far above what django-cachalot stores per query.
public let valueLimit = 32 << 20

/// One stored entry, as `scan` sees it.
public struct CacheEntry {
    /// The made key (Redis) or file name (file cache).
    public var name: String
    /// The stored value, without the file cache's expiry header.
    public var value: [UInt8]
    /// Bytes the entry takes in the store (value, or the whole file).
    public var size: Int
    /// Absolute expiry time; nil for an entry that never expires.
    public var expiresAt: Double?
    /// True for a file whose expiry has passed (Django deletes it on read).
    public var expired = false
    /// True for an entry that could not be read (truncated, corrupt,
    /// oversized): counted apart, never decoded.
    public var unreadable = false
    /// For a large value the scan did not fetch whole (`value` is then
    /// empty): its start and end.
    public var partial: PickleOutline?
    /// memcached's item flags, which say how the value is encoded.
    public var flags: UInt32 = 0
    /// When it was last read, before the scan read it; nil when unknown.
    public var lastRead: LastRead?
}

/// What a cache server says about itself.
public struct ServerFacts: Equatable {
    /// INFO fields in a fixed order ("redis_version", "used_memory", …).
    public var info: [(name: String, value: String)] = []
    /// The server's clock (Redis TIME), seconds since the epoch.
    public var serverTime: Double?
    /// This host's clock when `serverTime` was read (the middle of the
    /// exchange): an offset taken against a later "now" would count every
    /// slow server met in between as clock skew.
    public var readAt: Double?
    /// A pool's servers one by one (memcached); `info` then sums them up.
    public var members: [(address: String, facts: ServerFacts)] = []
    /// A pool's servers that did not answer, and why.
    public var unreachable: [(address: String, reason: String)] = []
    /// How coarse `serverTime` is: 0 for Redis (microseconds), 1 for
    /// memcached (whole seconds).
    public var clockResolution = 0.0

    public init(info: [(name: String, value: String)] = [], serverTime: Double? = nil, readAt: Double? = nil) {
        self.info = info
        self.serverTime = serverTime
        self.readAt = readAt
    }

    /// How far the server's clock is ahead of this host's (negative: behind).
    public var clockOffset: Double? {
        guard let serverTime, let readAt else { return nil }
        return serverTime - readAt
    }

    public func value(_ name: String) -> String? { info.first { $0.name == name }?.value }

    public static func == (lhs: ServerFacts, rhs: ServerFacts) -> Bool {
        lhs.info.map(\.name) == rhs.info.map(\.name) && lhs.info.map(\.value) == rhs.info.map(\.value)
            && lhs.serverTime == rhs.serverTime && lhs.members.map(\.address) == rhs.members.map(\.address)
    }
}

/// A table key as stored: a timestamp, or a value that is not one.
public enum StoredTimestamp: Equatable, Sendable {
    case time(Double)
    /// What was found instead, in words ("an empty file", "a list").
    case unreadable(String)
}

/// What stamping table keys did, key by key (cachalot keys).
public struct StampOutcome: Equatable, Sendable {
    /// Keys set to the new time.
    public var written: [String] = []
    /// Keys among `written` that did not exist before: when all of them
    /// are, the cache may not be the one the site uses.
    public var created: [String] = []
    /// Keys among `written` stamped only on a stand-in server, their own
    /// being down (pymemcache's runner-up): fresh while it stays down.
    public var onRunnerUp: [String] = []
    /// Keys whose stored time was newer than the new one: kept, with that time.
    public var keptNewer: [String: Double] = [:]
    /// Keys among `written` whose old value could not be read as a time
    /// (empty, corrupt, another type): what was found.
    public var replacedUnreadable: [String: String] = [:]
    /// Keys left alone because they could not be read (permissions): why.
    public var skipped: [String: String] = [:]

    public init() {}

    /// Adds what another server's stamping did.
    mutating func merge(_ other: StampOutcome) {
        written += other.written
        created += other.created
        onRunnerUp += other.onRunnerUp
        keptNewer.merge(other.keptNewer) { first, _ in first }
        replacedUnreadable.merge(other.replacedUnreadable) { first, _ in first }
        skipped.merge(other.skipped) { first, _ in first }
    }
}

/// Cachalot keys and the made keys a store is given for them, to key
/// what it answers by the cachalot keys again.
struct MadeKeys {
    /// The made keys, in the order of the cachalot keys, without repeats.
    let keys: [String]
    private let cachalotKey: [String: String]

    init(_ cachalotKeys: [String], _ keyMaker: DjangoKeyMaker) {
        var cachalotKey: [String: String] = [:]
        var keys: [String] = []
        for key in cachalotKeys {
            let made = keyMaker.makeKey(key)
            if cachalotKey.updateValue(key, forKey: made) == nil { keys.append(made) }
        }
        self.keys = keys
        self.cachalotKey = cachalotKey
    }

    func back(_ made: [String]) -> [String] { made.compactMap { cachalotKey[$0] } }

    func back<Value>(_ made: [String: Value]) -> [String: Value] {
        Dictionary(made.compactMap { key, value in cachalotKey[key].map { ($0, value) } }, uniquingKeysWith: { first, _ in first })
    }

    func back(_ outcome: StampOutcome) -> StampOutcome {
        var result = StampOutcome()
        result.written = back(outcome.written)
        result.created = back(outcome.created)
        result.onRunnerUp = back(outcome.onRunnerUp)
        result.keptNewer = back(outcome.keptNewer)
        result.replacedUnreadable = back(outcome.replacedUnreadable)
        result.skipped = back(outcome.skipped)
        return result
    }
}

/// A store failed after it had written some keys.
public struct PartialStampFailure: Error {
    public var outcome: StampOutcome
    public var error: CachalotError
}

/// Some servers of a pool answered a read and others did not: what was
/// read, and the keys whose server failed (neither present nor absent).
public struct PartialReadFailure: Error {
    public var stored: [String: StoredTimestamp]
    public var unread: Set<String>
    public var error: CachalotError
}

extension CacheStore {
    public func inspectTimestamps(_ keys: [String]) throws -> [String: StoredTimestamp] {
        let made = MadeKeys(keys, keyMaker)
        do {
            return made.back(try inspectTimestamps(made: made.keys))
        } catch let partial as PartialReadFailure {
            throw PartialReadFailure(stored: made.back(partial.stored), unread: Set(made.back(Array(partial.unread))), error: partial.error)
        }
    }

    /// `stampTables(made:…)` for cachalot keys, in the store's schema.
    public func stampTables(_ keys: [String], at now: Double, timeout: Double?) throws -> StampOutcome {
        let made = MadeKeys(keys, keyMaker)
        do {
            return made.back(try stampTables(made: made.keys, at: now, timeout: timeout))
        } catch let partial as PartialStampFailure {
            throw PartialStampFailure(outcome: made.back(partial.outcome), error: partial.error)
        }
    }

    /// The stored timestamp of each key that is present, not expired and
    /// readable as a time (what Django's get_many would give).
    public func readTimestamps(_ keys: [String]) throws -> [String: Double] {
        try inspectTimestamps(keys).compactMapValues { stored in
            if case .time(let time) = stored { return time }
            return nil
        }
    }

    /// Decodes an entry's value as Django would.
    public func decode(_ entry: CacheEntry) throws -> PickleValue {
        // nil: a number the backend stores as text (an int; a float too on django-valkey).
        guard let bytes = try pickleBytes(of: entry) else {
            return PlainInteger.parse(entry.value).map(PickleValue.int) ?? PlainNumber.parse(entry.value) ?? .int(0)
        }
        return try PickleReader.read(bytes)
    }

    /// A decoded table key: its time, or what it holds instead.
    static func timestamp(from value: PickleValue) -> StoredTimestamp {
        guard let number = value.number, number.isFinite else {
            return .unreadable(PythonObjectRepr.excerpt(value, limit: 40))
        }
        return .time(number)
    }
}
