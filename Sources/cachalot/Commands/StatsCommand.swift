import CachalotKit
import Foundation

/// `cachalot stats`: prints `StatsOperation`'s report as `name: value`
/// lines, JSON, or Prometheus text.
enum StatsCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        var top: Int?
        if let text = arguments.value(CommandTable.top) {
            guard let count = Int(text), count > 0 else {
                throw CachalotError.usage("invalid value '\(text)' for --top; accepted: a whole number above 0")
            }
            top = count
        }
        if arguments.flag(CommandTable.json) && arguments.flag(CommandTable.prometheus) {
            throw CachalotError.usage("--json and --prometheus exclude each other; choose one")
        }
        let perTable = arguments.flag(CommandTable.tables) || top != nil
        let operation = StatsOperation(context.selection, progress: ProgressLine.make())
        let report = try operation.run(settings: try context.loadSettings(), backends: try context.backends())
        let now = SystemClock.now()

        CommandContext.noteSkipped(report.skippedCaches)
        for failure in report.failedDatabases { Console.err("cachalot: error: \(failure.error)") }
        for cache in report.caches { if let error = cache.error { Console.err("cachalot: error: \(error)") } }
        if arguments.flag(CommandTable.json) {
            Console.out(StatsOutput.json(report, now: now, perTable: perTable, top: top).serialized)
        } else if arguments.flag(CommandTable.prometheus) {
            Console.out(StatsOutput.prometheus(report, perTable: perTable, top: top))
        } else {
            Console.out(StatsOutput.text(report, now: now, perTable: perTable, top: top))
        }
        return report.succeeded ? 0 : CachalotError.ExitCode.runtime.rawValue
    }
}

/// "scanning cache 'default': 120000 entries" on stderr, only on a terminal
/// and only once a scan has run for over a second.
enum ProgressLine {
    static func make() -> ((String, Int) -> Void)? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        let started = SystemClock.now()
        return { alias, seen in
            guard SystemClock.now() - started > 1 else { return }
            let line = seen < 0 ? "\r\u{1B}[K" : "\rscanning cache '\(alias)': \(seen) entries"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
