import CachalotKit

/// `cachalot watch`: follows every table key of the chosen caches ×
/// databases and prints each invalidation as it happens (a line, or a JSON
/// object per line), then a per-table summary on Ctrl-C, SIGTERM or after
/// `--for`. A Redis cache whose server sends keyspace notifications is read
/// when one arrives; every other cache is polled each interval. Never
/// writes to a cache. A cache that stops answering is retried every
/// interval and read afresh when it is back.
enum WatchCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let verbosity = arguments.choice(CommandTable.watchVerbosity) ?? .djangos
        let interval = arguments.seconds(CommandTable.interval) ?? 1
        guard interval >= shortestInterval else {
            throw CachalotError.usage("--interval \(PythonFloatRepr.repr(interval)) is too short: at least \(PythonFloatRepr.repr(shortestInterval)) s")
        }
        let plan = try WatchOperation(context.selection).prepare(settings: try context.loadSettings(), backends: context.backends)

        CommandContext.noteSkipped(plan.skippedCaches)
        CommandContext.show(plan.notices, verbosity: verbosity)
        guard plan.failures.isEmpty else {
            FailureOutput.report(plan.failures)
            return CachalotError.ExitCode.runtime.rawValue
        }
        guard !plan.keys.isEmpty else {
            throw CachalotError.runtime("no tables to watch: the selected databases list none")
        }
        guard !plan.caches.isEmpty else {
            throw CachalotError.usage("no cache to watch: the selected caches live inside Django processes (locmem, dummy)")
        }
        var stores: [CacheStore] = []
        for opened in try context.backends.openStores(plan.caches) {
            switch opened {
            case .opened(let store): stores.append(store)
            case .failed(let failure):
                FailureOutput.report([failure])
                return CachalotError.ExitCode.runtime.rawValue
            }
        }

        // Handlers first: a signal while subscribing still ends the watch
        // through the code that puts notify-keyspace-events back.
        let waiter = try StopOrReadable()
        let changes = arguments.flag(CommandTable.enableNotifications) ? KeyspaceNotificationChanges() : nil
        defer {
            for problem in changes?.restore() ?? [] { Console.warning(problem) }
        }
        var watch = Watch(plan: plan, stores: stores, backends: context.backends, interval: interval,
                          json: arguments.flag(CommandTable.json), enabling: changes, verbosity: verbosity)
        do {
            try watch.openFeeds()
        } catch let error as CachalotError {
            Console.error(error)
            return error.exitCode.rawValue
        }
        watch.run(for: arguments.seconds(CommandTable.watchFor), waiter: waiter)
        return 0
    }

    /// Shorter intervals only burn the cache server's CPU.
    static let shortestInterval = 0.01
}

/// One watch: each cache's store, feed and health, the tracker, poll costs.
private struct Watch {
    struct Cache {
        var settings: CacheSettings
        var store: CacheStore?
        var feed: RedisKeyspaceFeed?
        /// Whether this cache is followed by notifications when it is up.
        var notified = false
        /// Not answering at all; or answering from some servers of a pool.
        var down = false
        var degraded = false
        var nextPoll = 0.0
    }

    /// How often a cache followed by notifications is read anyway: a
    /// notification lost (a half-open connection, notify-keyspace-events
    /// changed by someone) is then found late rather than never.
    static let notifiedRecheck = 30.0

    let plan: WatchPlan
    let backends: Backends
    let interval: Double
    let json: Bool
    let enabling: KeyspaceNotificationChanges?
    let verbosity: Verbosity
    let cachalotKeys: [String]
    var caches: [Cache]
    var tracker: WatchTracker
    /// The latest poll times (bounded), for the summary's median.
    var pollMilliseconds: [Double] = []

    init(plan: WatchPlan, stores: [CacheStore], backends: Backends, interval: Double, json: Bool,
         enabling: KeyspaceNotificationChanges?, verbosity: Verbosity) {
        self.plan = plan
        self.backends = backends
        self.interval = interval
        self.json = json
        self.enabling = enabling
        self.verbosity = verbosity
        cachalotKeys = plan.keys.map(\.cachalotKey)
        caches = zip(plan.caches, stores).map { Cache(settings: $0, store: $1) }
        tracker = WatchTracker(keys: plan.keys, models: plan.models)
    }

    /// Subscribes to each Redis cache's table keys where its server sends
    /// keyspace notifications (or may be told to); says how each cache is
    /// followed. Before the first read, so no write falls between the two.
    mutating func openFeeds() throws {
        for index in caches.indices {
            let how: String
            if let redis = caches[index].store as? RedisCacheStore {
                switch try RedisKeyspaceFeed.open(redis, keys: cachalotKeys, enabling: enabling) {
                case .success(let feed):
                    caches[index].feed = feed
                    caches[index].notified = true
                    how = "Redis keyspace notifications (and a read every \(seconds(max(Self.notifiedRecheck, interval))))"
                case .failure(let unavailable):
                    let hint = if case .off = unavailable { "; --enable-notifications turns them on" } else { "" }
                    how = "polling every \(seconds(interval)) (\(unavailable.description)\(hint))"
                }
            } else {
                how = "polling every \(seconds(interval))"
            }
            if verbosity >= .djangos { Console.note("cache '\(caches[index].settings.alias)': \(how)") }
        }
        if verbosity >= .djangos {
            Console.note("watching \(plan.keys.count) table keys; Ctrl-C ends with a summary")
        }
    }

    mutating func run(for duration: Double?, waiter: StopOrReadable) {
        let started = SystemClock.monotonic()
        let deadline = duration.map { started + $0 }
        var nextSummary = started + 60
        for index in caches.indices { poll(index) }
        while Console.canWrite {
            let now = SystemClock.monotonic()
            if let deadline, now >= deadline { break }
            if verbosity >= .perTable, now >= nextSummary {
                printSummary(seconds: now - started, final: false)
                nextSummary = now + 60
            }
            var wake = caches.map(\.nextPoll).min()!
            if verbosity >= .perTable { wake = min(wake, nextSummary) }
            if let deadline { wake = min(wake, deadline) }
            switch waiter.wait(seconds: wake - now, sockets: caches.compactMap { $0.feed?.descriptors }.flatMap { $0 }) {
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
                let after = SystemClock.monotonic()
                for index in caches.indices where after >= caches[index].nextPoll { poll(index, scheduled: true) }
                continue
            }
            break
        }
        printSummary(seconds: SystemClock.monotonic() - started, final: true)
    }

    /// Reads one cache's table keys (reopening it, and its feed, if it had
    /// failed) and prints what moved. A scheduled read of a cache followed
    /// by notifications that finds news means notifications stopped
    /// coming: it is polled from then on.
    mutating func poll(_ index: Int, scheduled: Bool = false) {
        let alias = caches[index].settings.alias
        let started = SystemClock.monotonic()
        do {
            let store = try caches[index].store ?? backends.openCache(caches[index].settings)
            caches[index].store = store
            if caches[index].notified, caches[index].feed == nil, let redis = store as? RedisCacheStore {
                switch try RedisKeyspaceFeed.open(redis, keys: cachalotKeys, enabling: enabling) {
                case .success(let feed): caches[index].feed = feed
                case .failure(let unavailable): stopFollowing(index, because: unavailable.description)
                }
            }
            var stored: [String: StoredTimestamp]
            var unread = Set<String>()
            do {
                stored = try store.inspectTimestamps(cachalotKeys)
            } catch let partial as PartialReadFailure {
                // A pool member is down: keep following the others.
                (stored, unread) = (partial.stored, partial.unread)
                if !caches[index].degraded {
                    caches[index].degraded = true
                    Console.warning("cache '\(alias)': \(partial.error.message); following its other servers, retrying every \(seconds(interval))")
                }
            }
            recordPoll(milliseconds: (SystemClock.monotonic() - started) * 1000)
            if caches[index].down || (caches[index].degraded && unread.isEmpty) {
                Console.note(unread.isEmpty ? "cache '\(alias)' answers again; what changed meanwhile follows"
                             : "cache '\(alias)' answers again, but for the servers said above")
                caches[index].down = false
                caches[index].degraded = !unread.isEmpty
            }
            let events = tracker.observe(cacheAlias: alias, stored: stored, unread: unread)
            for event in events {
                Console.out(json ? WatchOutput.json(event).serialized : WatchOutput.line(event))
            }
            if scheduled, caches[index].feed != nil, !events.isEmpty {
                stopFollowing(index, because: "a read found invalidations no notification announced")
            }
        } catch {
            fail(index, error)
        }
        let every = caches[index].feed != nil ? max(Self.notifiedRecheck, interval) : interval
        caches[index].nextPoll = SystemClock.monotonic() + every
    }

    private mutating func stopFollowing(_ index: Int, because reason: String) {
        caches[index].feed = nil
        caches[index].notified = false
        Console.warning("cache '\(caches[index].settings.alias)': polling every \(seconds(interval)) from now on: \(reason)")
    }

    /// Keeps the latest 10,000 poll times: a long watch does not grow.
    private mutating func recordPoll(milliseconds: Double) {
        if pollMilliseconds.count >= 10_000 { pollMilliseconds.removeFirst(5_000) }
        pollMilliseconds.append(milliseconds)
    }

    /// A cache stopped answering: said once, then retried every interval.
    /// What was known of it is kept, so its changes meanwhile are reported
    /// when it answers again.
    mutating func fail(_ index: Int, _ error: Error) {
        if !caches[index].down {
            caches[index].down = true
            Console.warning("cache '\(caches[index].settings.alias)': \(CachalotError(error).message); retrying every \(seconds(interval))")
        }
        caches[index].feed = nil
        caches[index].store = nil
        caches[index].nextPoll = SystemClock.monotonic() + interval
    }


    func printSummary(seconds: Double, final: Bool) {
        let tables = tracker.summary(seconds: seconds)
        let costs = pollMilliseconds.sorted()
        let median = costs.isEmpty ? nil : costs[costs.count / 2]
        if json {
            Console.out(WatchOutput.summaryJSON(tables, seconds: seconds, polls: costs.count, medianPoll: median,
                                                maxPoll: costs.last, final: final).serialized)
        } else {
            Console.out(WatchOutput.summaryText(tables, seconds: seconds, polls: costs.count, medianPoll: median))
        }
    }

    private func seconds(_ value: Double) -> String { "\(TextFormatting.fixed(value, digits: 3)) s" }
}
