import CachalotKit
import Glibc

/// `cachalot stats`: prints `StatsOperation`'s report as `name: value`
/// lines, JSON, or Prometheus text.
enum StatsCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let top = arguments.count(.top)
        let perTable = arguments.flag(.tables)
        let idle = arguments.flag(.idle)
        let operation = StatsOperation(context.selection, lastRead: idle, progress: ProgressLine.make())
        let report = try operation.run(settings: try context.loadSettings(), backends: context.backends)
        let now = context.now()

        CommandContext.noteSkipped(report.skippedCaches)
        for cache in report.caches {
            if let reason = cache.unlisted { Console.note("cache '\(cache.alias)': the entries cannot be listed: \(reason); the tables' invalidations were read key by key") }
        }
        FailureOutput.report(report.failedDatabases + report.caches.compactMap(\.failure))
        if arguments.flag(.json) {
            Console.out(StatsOutput.json(report, now: now, perTable: perTable, top: top, idle: idle).serialized)
        } else if arguments.flag(.prometheus) {
            Console.out(StatsOutput.prometheus(report, perTable: perTable, top: top, idle: idle))
        } else {
            Console.out(StatsOutput.text(report, now: now, perTable: perTable, top: top, idle: idle, local: arguments.flag(.local),
                                         terminal: isatty(STDOUT_FILENO) == 1))
        }
        return report.succeeded ? 0 : CachalotError.ExitCode.runtime.rawValue
    }
}

/// "scanning cache 'default': 120000 entries" on stderr, only on a terminal
/// and only once a scan has run for over a second.
enum ProgressLine {
    static func make() -> ((String, Int) -> Void)? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let started = SystemClock.monotonic()
        return { alias, seen in
            guard SystemClock.monotonic() - started > 1 else { return }
            Console.errRaw(seen < 0 ? "\r\u{1B}[K" : "\rscanning cache '\(alias)': \(TextFormatting.counted(seen, "entry", "entries"))")
        }
    }
}
