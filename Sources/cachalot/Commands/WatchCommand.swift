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
        let verbosity = arguments.choice(CommandTable.verbosity) ?? .djangos
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
        var stores: [CacheStore] = []
        for opened in try context.backends.openStores(plan.caches) {
            switch opened {
            case .opened(let store): stores.append(store)
            case .failed(let failure):
                FailureOutput.report([failure])
                return CachalotError.ExitCode.runtime.rawValue
            }
        }

        var watch = Watch(plan: plan, stores: stores, backends: context.backends,
                          interval: arguments.seconds(CommandTable.interval) ?? 1, json: arguments.flag(CommandTable.json),
                          enableNotifications: arguments.flag(CommandTable.enableNotifications), verbosity: verbosity)
        defer { watch.closeFeeds() }
        do {
            try watch.openFeeds()
        } catch let error as CachalotError {
            Console.error(error)
            return error.exitCode.rawValue
        }
        watch.run(for: arguments.seconds(CommandTable.watchFor))
        return 0
    }
}

/// One watch: each cache's store, feed and health, the tracker, poll costs.
private struct Watch {
    struct Cache {
        var settings: CacheSettings
        var store: CacheStore?
        var feed: RedisKeyspaceFeed?
        /// Whether this cache is followed by notifications when it is up.
        var notified = false
        var down = false
        var nextPoll = 0.0
    }

    let plan: WatchPlan
    let backends: Backends
    let interval: Double
    let json: Bool
    let enableNotifications: Bool
    let verbosity: Verbosity
    let cachalotKeys: [String]
    var caches: [Cache]
    var tracker: WatchTracker
    var pollMilliseconds: [Double] = []

    init(plan: WatchPlan, stores: [CacheStore], backends: Backends, interval: Double, json: Bool,
         enableNotifications: Bool, verbosity: Verbosity) {
        self.plan = plan
        self.backends = backends
        self.interval = interval
        self.json = json
        self.enableNotifications = enableNotifications
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
                let (feed, reason) = try RedisKeyspaceFeed.open(redis, keys: cachalotKeys, enable: enableNotifications)
                caches[index].feed = feed
                caches[index].notified = feed != nil
                how = feed != nil ? "Redis keyspace notifications" : "polling every \(seconds(interval)) (\(reason ?? ""); --enable-notifications turns them on)"
            } else {
                how = "polling every \(seconds(interval))"
            }
            if verbosity >= .djangos { Console.note("cache '\(caches[index].settings.alias)': \(how)") }
        }
        if verbosity >= .djangos {
            Console.note("watching \(plan.keys.count) table keys; Ctrl-C ends with a summary")
        }
    }

    mutating func closeFeeds() {
        for index in caches.indices {
            caches[index].feed?.close()
            caches[index].feed = nil
        }
    }

    mutating func run(for duration: Double?) {
        let waiter = StopOrReadable()
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
            var wake = caches.filter { $0.feed == nil }.map(\.nextPoll).min()
            if verbosity >= .perTable { wake = min(wake ?? nextSummary, nextSummary) }
            if let deadline { wake = min(wake ?? deadline, deadline) }
            switch waiter.wait(seconds: wake.map { $0 - now }, sockets: caches.compactMap { $0.feed?.descriptors }.flatMap { $0 }) {
            case .stop:
                printSummary(seconds: SystemClock.monotonic() - started, final: true)
                return
            case .readable(let sockets):
                for index in caches.indices {
                    guard let feed = caches[index].feed, !sockets.isDisjoint(with: feed.descriptors) else { continue }
                    do {
                        if try feed.drain(readable: sockets) { poll(index) }
                    } catch {
                        fail(index, error)
                    }
                }
            case .timeout:
                break
            }
            let after = SystemClock.monotonic()
            for index in caches.indices where caches[index].feed == nil && after >= caches[index].nextPoll { poll(index) }
        }
        printSummary(seconds: SystemClock.monotonic() - started, final: true)
    }

    /// Reads one cache's table keys (reopening it, and its feed, if it had
    /// failed) and prints what moved.
    mutating func poll(_ index: Int) {
        let alias = caches[index].settings.alias
        caches[index].nextPoll = SystemClock.monotonic() + interval
        let started = SystemClock.monotonic()
        do {
            let store = try caches[index].store ?? backends.openCache(caches[index].settings)
            caches[index].store = store
            if caches[index].notified, caches[index].feed == nil, let redis = store as? RedisCacheStore {
                let (feed, reason) = try RedisKeyspaceFeed.open(redis, keys: cachalotKeys, enable: enableNotifications)
                caches[index].feed = feed
                if feed == nil {
                    caches[index].notified = false
                    Console.note("cache '\(alias)': polling every \(seconds(interval)) from now on (\(reason ?? ""))")
                }
            }
            let stored = try store.inspectTimestamps(cachalotKeys)
            pollMilliseconds.append((SystemClock.monotonic() - started) * 1000)
            if caches[index].down {
                caches[index].down = false
                Console.note("cache '\(alias)' answers again; its table keys are read afresh")
            }
            for event in tracker.observe(cacheAlias: alias, stored: stored) {
                Console.out(json ? WatchOutput.json(event).serialized : WatchOutput.line(event))
            }
        } catch {
            fail(index, error)
        }
    }

    /// A cache stopped answering: said once, then retried every interval.
    mutating func fail(_ index: Int, _ error: Error) {
        if !caches[index].down {
            caches[index].down = true
            Console.warning("cache '\(caches[index].settings.alias)': \(CachalotError(error).message); retrying every \(seconds(interval))")
        }
        caches[index].feed?.close()
        caches[index].feed = nil
        caches[index].store = nil
        caches[index].nextPoll = SystemClock.monotonic() + interval
        tracker.reset(cacheAlias: caches[index].settings.alias)
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
