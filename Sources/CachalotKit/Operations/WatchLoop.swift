/// What the watch loop needs from the world, so that it runs the same in
/// the `cachalot watch` process and in a unit test: a monotonic clock, a
/// wait on sockets, stores, and somewhere to say what it sees.
public protocol WatchEnvironment {
    /// Seconds on a monotonic clock.
    func now() -> Double
    /// Waits up to `seconds` for one of `sockets` to be readable or for a stop.
    func wait(seconds: Double, sockets: [Int32]) -> WatchWake
    /// Opens (or reopens, after a failure) a cache's store.
    func open(_ cache: CacheSettings) throws -> TableKeyReader
    /// False once nobody reads the output any more.
    var canContinue: Bool { get }
    func invalidation(_ event: WatchEvent)
    func warning(_ text: String)
    func note(_ text: String)
    /// The per-table summary; `final` at the end of the watch.
    func summary(_ tables: [WatchTableSummary], seconds: Double, pollMilliseconds: [Double], final: Bool)
}

/// Why a wait ended.
public enum WatchWake: Equatable, Sendable {
    case stop
    case timeout
    case readable(Set<Int32>)
}

/// `watch`'s loop: reads each cache's table keys when its change feed
/// announces a write (`ChangeFeedSource`), or every interval, and reports
/// what moved through a `WatchTracker`. A cache followed by its feed is read
/// anyway every `notifiedRecheck` seconds: one that finds news no feed
/// announced switches that cache to polling. A cache that fails is said
/// once and retried every interval; a pool with servers down is followed on
/// the others. Never writes to a cache.
public struct WatchLoop<Environment: WatchEnvironment> {
    struct Cache {
        var settings: CacheSettings
        var store: TableKeyReader?
        var feed: ChangeFeed?
        /// Whether this cache is followed by its feed when it is up.
        var notified = false
        /// Not answering at all; or answering from some servers of a pool.
        var down = false
        var degraded = false
        var nextPoll = 0.0
    }

    /// How often a cache followed by its feed is read anyway: a lost
    /// announcement (a half-open connection, notify-keyspace-events changed
    /// by someone) is then found late rather than never.
    public static var notifiedRecheck: Double { 30 }

    private let environment: Environment
    private let interval: Double
    private let enabling: KeyspaceNotificationChanges?
    private let periodicSummaries: Bool
    private let cachalotKeys: [String]
    private var caches: [Cache]
    private var tracker: WatchTracker
    /// The latest poll times (bounded), for the summary's median.
    private var pollMilliseconds: [Double] = []

    /// `stores` are the plan's caches, opened; `periodicSummaries`: a
    /// summary every minute too (-v 2).
    public init(plan: WatchPlan, stores: [TableKeyReader], environment: Environment, interval: Double,
                enabling: KeyspaceNotificationChanges? = nil, periodicSummaries: Bool = false) {
        self.environment = environment
        self.interval = interval
        self.enabling = enabling
        self.periodicSummaries = periodicSummaries
        cachalotKeys = plan.keys.map(\.cachalotKey)
        caches = zip(plan.caches, stores).map { Cache(settings: $0, store: $1) }
        tracker = WatchTracker(keys: plan.keys, models: plan.models)
    }

    /// Subscribes to each cache that announces its writes (or may be told
    /// to); returns how each cache is followed, in cache order. Before the
    /// first read, so that no write falls between the two.
    public mutating func openFeeds() throws -> [String] {
        var hows: [String] = []
        for index in caches.indices {
            guard let source = caches[index].store as? ChangeFeedSource else {
                hows.append("polling every \(seconds(interval))")
                continue
            }
            switch try source.openChangeFeed(keys: cachalotKeys, enabling: enabling) {
            case .success(let feed):
                caches[index].feed = feed
                caches[index].notified = true
                hows.append("Redis keyspace notifications (and a read every \(seconds(max(Self.notifiedRecheck, interval))))")
            case .failure(let unavailable):
                let hint = unavailable.canBeEnabled ? "; --enable-notifications turns them on" : ""
                hows.append("polling every \(seconds(interval)) (\(unavailable.description)\(hint))")
            }
        }
        return hows
    }

    /// Runs until a stop, `duration` seconds, or the output's reader is gone;
    /// ends with the final summary. `following` is called once every cache
    /// has been read once: what that first read finds is the baseline, so
    /// only a write after `following` is sure to be reported.
    public mutating func run(for duration: Double?, following: () -> Void = {}) {
        let started = environment.now()
        let deadline = duration.map { started + $0 }
        var nextSummary = started + 60
        for index in caches.indices { poll(index) }
        following()
        while environment.canContinue {
            let now = environment.now()
            if let deadline, now >= deadline { break }
            if periodicSummaries, now >= nextSummary {
                summarize(seconds: now - started, final: false)
                nextSummary = now + 60
            }
            var wake = caches.map(\.nextPoll).min()!
            if periodicSummaries { wake = min(wake, nextSummary) }
            if let deadline { wake = min(wake, deadline) }
            switch environment.wait(seconds: wake - now, sockets: caches.compactMap { $0.feed?.descriptors }.flatMap { $0 }) {
            case .stop:
                break
            case .readable(let sockets):
                for index in caches.indices {
                    guard let feed = caches[index].feed, !sockets.isDisjoint(with: feed.descriptors) else { continue }
                    do {
                        if try feed.drain(readable: sockets) { poll(index) }
                    } catch {
                        fail(index, error)
                    }
                }
                continue
            case .timeout:
                let after = environment.now()
                for index in caches.indices where after >= caches[index].nextPoll { poll(index, scheduled: true) }
                continue
            }
            break
        }
        summarize(seconds: environment.now() - started, final: true)
    }

    /// Reads one cache's table keys (reopening it, and its feed, if it had
    /// failed) and reports what moved. A scheduled read of a cache followed
    /// by its feed that finds news means announcements stopped coming: it
    /// is polled from then on.
    mutating func poll(_ index: Int, scheduled: Bool = false) {
        let alias = caches[index].settings.alias
        let started = environment.now()
        do {
            let store = try caches[index].store ?? environment.open(caches[index].settings)
            caches[index].store = store
            if caches[index].notified, caches[index].feed == nil, let source = store as? ChangeFeedSource {
                switch try source.openChangeFeed(keys: cachalotKeys, enabling: enabling) {
                case .success(let feed): caches[index].feed = feed
                case .failure(let unavailable): stopFollowing(index, because: unavailable.description)
                }
            }
            var stored: [String: StoredTimestamp]
            var unread = Set<String>()
            do {
                stored = try store.inspectTimestamps(cachalotKeys)
            } catch let partial as PartialReadFailure {
                (stored, unread) = (partial.stored, partial.unread)
                if !caches[index].degraded {
                    caches[index].degraded = true
                    environment.warning("cache '\(alias)': \(partial.error.message); following its other servers, retrying every \(seconds(interval))")
                }
            }
            recordPoll(milliseconds: (environment.now() - started) * 1000)
            if caches[index].down || (caches[index].degraded && unread.isEmpty) {
                environment.note(unread.isEmpty ? "cache '\(alias)' answers again; what changed meanwhile follows"
                                 : "cache '\(alias)' answers again, but for the servers said above")
                caches[index].down = false
                caches[index].degraded = !unread.isEmpty
            }
            let events = tracker.observe(cacheAlias: alias, stored: stored, unread: unread)
            for event in events { environment.invalidation(event) }
            if scheduled, caches[index].feed != nil, !events.isEmpty {
                stopFollowing(index, because: "a read found invalidations no notification announced")
            }
        } catch {
            fail(index, error)
        }
        let every = caches[index].feed != nil ? max(Self.notifiedRecheck, interval) : interval
        caches[index].nextPoll = environment.now() + every
    }

    private mutating func stopFollowing(_ index: Int, because reason: String) {
        caches[index].feed = nil
        caches[index].notified = false
        environment.warning("cache '\(caches[index].settings.alias)': polling every \(seconds(interval)) from now on: \(reason)")
    }

    /// Keeps the latest 10,000 poll times: a long watch does not grow.
    private mutating func recordPoll(milliseconds: Double) {
        if pollMilliseconds.count >= 10_000 { pollMilliseconds.removeFirst(5_000) }
        pollMilliseconds.append(milliseconds)
    }

    /// A cache stopped answering: said once, then retried every interval.
    /// What was known of it is kept, so its changes meanwhile are reported
    /// when it answers again.
    private mutating func fail(_ index: Int, _ error: Error) {
        if !caches[index].down {
            caches[index].down = true
            environment.warning("cache '\(caches[index].settings.alias)': \(CachalotError(error).message); retrying every \(seconds(interval))")
        }
        caches[index].feed = nil
        caches[index].store = nil
        caches[index].nextPoll = environment.now() + interval
    }

    private func summarize(seconds: Double, final: Bool) {
        environment.summary(tracker.summary(seconds: seconds), seconds: seconds, pollMilliseconds: pollMilliseconds, final: final)
    }

    private func seconds(_ value: Double) -> String { "\(TextFormatting.fixed(value, digits: 3)) s" }
}
