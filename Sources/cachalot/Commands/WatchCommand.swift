import CachalotKit

/// `cachalot watch`: follows every table key of the chosen caches ×
/// databases and prints each invalidation as it happens (a line, or a JSON
/// object per line), then a per-table summary on Ctrl-C, SIGTERM or after
/// `--for`. The loop itself is CachalotKit's `WatchLoop`; this file parses
/// the options, opens the stores and gives the loop this process's
/// signals, sockets and output.
enum WatchCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let verbosity = arguments.choice(CommandTable.watchVerbosity) ?? .djangos
        let interval = arguments.seconds(.interval) ?? 1
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
        var stores: [TableKeyReader] = []
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
        let changes = arguments.flag(.enableNotifications) ? KeyspaceNotificationChanges() : nil
        defer {
            for problem in changes?.restore() ?? [] { Console.warning(problem) }
        }
        let environment = ConsoleWatch(waiter: waiter, backends: context.backends, json: arguments.flag(.json),
                                       localTime: arguments.flag(.local))
        var watch = WatchLoop(plan: plan, stores: stores, environment: environment, interval: interval,
                              enabling: changes, periodicSummaries: verbosity >= .perTable)
        do {
            let hows = try watch.openFeeds()
            if verbosity >= .djangos {
                for (cache, how) in zip(plan.caches, hows) { Console.note("cache '\(cache.alias)': \(how)") }
            }
        } catch let error as CachalotError {
            Console.error(error)
            return error.exitCode.rawValue
        }
        // "watching" once the first read is done: a write made after the
        // note is reported, never taken as the baseline.
        watch.run(for: arguments.seconds(.for)) {
            if verbosity >= .djangos { Console.note("watching \(TextFormatting.counted(plan.keys.count, "table key")); Ctrl-C ends with a summary") }
        }
        return 0
    }

    /// Shorter intervals only burn the cache server's CPU.
    static let shortestInterval = 0.01
}

/// The watch loop in this process: signals and sockets through
/// `StopOrReadable`, events and summaries on standard output (lines or JSON
/// Lines), warnings and notes on standard error.
private struct ConsoleWatch: WatchEnvironment {
    let waiter: StopOrReadable
    let backends: Backends
    let json: Bool
    let localTime: Bool

    func now() -> Double { SystemClock.monotonic() }

    func wait(seconds: Double, sockets: [Int32]) -> WatchWake {
        switch waiter.wait(seconds: seconds, sockets: sockets) {
        case .stop: return .stop
        case .timeout: return .timeout
        case .readable(let ready): return .readable(ready)
        }
    }

    func open(_ cache: CacheSettings) throws -> TableKeyReader { try backends.openCache(cache) }

    var canContinue: Bool { Console.canWrite }

    func invalidation(_ event: WatchEvent) {
        Console.out(json ? WatchOutput.json(event).serialized : WatchOutput.line(event, local: localTime))
    }

    func warning(_ text: String) { Console.warning(text) }

    func note(_ text: String) { Console.note(text) }

    func summary(_ tables: [WatchTableSummary], seconds: Double, pollMilliseconds: [Double], final: Bool) {
        let costs = pollMilliseconds.sorted()
        let median = costs.isEmpty ? nil : costs[costs.count / 2]
        if json {
            Console.out(WatchOutput.summaryJSON(tables, seconds: seconds, polls: costs.count, medianPoll: median,
                                                maxPoll: costs.last, final: final).serialized)
        } else {
            Console.out(WatchOutput.summaryText(tables, seconds: seconds, polls: costs.count, medianPoll: median, local: localTime))
        }
    }
}
