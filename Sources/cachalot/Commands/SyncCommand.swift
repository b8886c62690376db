import CachalotKit

/// `cachalot sync`: runs `SyncOperation` and prints, per cache and
/// database, which tables changed and were invalidated, or JSON.
enum SyncCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let operation = SyncOperation(context.selection, dryRun: arguments.flag(.dryRun))
        let settings = try context.loadSettings()
        if arguments.flag(.follow) { return try follow(operation, settings: settings, context: context) }
        let report = try operation.run(settings: settings, backends: context.backends)
        CommandContext.noteSkipped(report.skippedCaches)
        FailureOutput.report(report.failures)
        if arguments.flag(.json) {
            Console.out(json(report).serialized)
        } else {
            for result in report.results { Console.out(line(result, dryRun: report.dryRun)) }
            // What the evidence cannot see, said once: when a cache starts.
            for limits in report.results.filter({ $0.reason == .firstRun }).map(\.limits).uniqued() {
                Console.note(limits)
            }
            if report.dryRun { Console.out("Dry run: nothing was written.") }
        }
        return report.succeeded ? 0 : CachalotError.ExitCode.runtime.rawValue
    }

    /// --follow: a pass every --interval until a stop signal or --for,
    /// each change printed as found (text lines with their time, or one
    /// JSON object per line); a failing database or cache is reported and
    /// tried again at the next pass, as watch does. A refusal (exit 2) ends
    /// it only on the first pass. Exit 1 when the last pass failed.
    private static func follow(_ operation: SyncOperation, settings: Settings, context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let interval = arguments.seconds(.interval) ?? 10
        guard interval >= 0.1 else {
            throw CachalotError.usage("--interval \(PythonFloatRepr.repr(interval)): accepted: at least 0.1 seconds between passes")
        }
        let deadline = arguments.seconds(.for).map { SystemClock.monotonic() + $0 }
        let waiter = try StopOrReadable()
        var failed = false
        var passes = 0
        while true {
            passes += 1
            do {
                let report = try operation.run(settings: settings, backends: context.backends)
                FailureOutput.report(report.failures)
                failed = !report.succeeded
                let changed = report.results.filter { !$0.changed.isEmpty }
                if arguments.flag(.json) {
                    if !changed.isEmpty || !report.succeeded {
                        var pass = report
                        pass.results = changed
                        Console.out(json(pass, at: context.now()).serialized)
                    }
                } else {
                    let time = TimeFormat.iso(context.now())
                    for result in changed { Console.out(time + " " + line(result, dryRun: false)) }
                }
            } catch let error as CachalotError where error.exitCode == .usage && passes == 1 {
                throw error
            } catch {
                // Later, a refusal is a passing state too (a switchover can
                // make the database a standby for a moment): reported, retried.
                let failure = CachalotError(error)
                Console.error(failure)
                if arguments.flag(.json) {
                    Console.out(JSONValue.object([("time", .number(context.now())), ("iso", .string(TimeFormat.iso(context.now()))),
                                                  ("ok", .bool(false)), ("error", .string(failure.message))]).serialized)
                }
                failed = true
            }
            let left = deadline.map { min(interval, $0 - SystemClock.monotonic()) } ?? interval
            guard left > 0, case .timeout = waiter.wait(seconds: left, sockets: []) else { break }
        }
        return failed ? CachalotError.ExitCode.runtime.rawValue : 0
    }

    /// "cache 'default' database 'default': 2 of 14 tables changed: a, b; invalidated"
    static func line(_ result: SyncReport.Result, dryRun: Bool) -> String {
        let head = "cache '\(result.cacheAlias)' database '\(result.databaseAlias)': "
        guard !result.changed.isEmpty else { return head + "no table changed" }
        let why: String
        switch result.reason {
        case .firstRun: why = "first sync in this cache, every table"
        case .evidenceRestarted: why = "the evidence restarted (statistics reset or server restart), every table"
        case .evidence: why = "\(result.changed.count) of \(TextFormatting.counted(result.tables, "table")) changed: "
            + result.changed.prefix(20).joined(separator: ", ") + (result.changed.count > 20 ? ", …" : "")
        }
        let done = dryRun ? "would invalidate" : result.invalidated ? "invalidated" : "NOT invalidated (see above)"
        return head + why + "; " + done
    }

    /// One object; with `at` (a --follow pass), the time it ran first.
    static func json(_ report: SyncReport, at time: Double? = nil) -> JSONValue {
        .object((time.map { [("time", JSONValue.number($0)), ("iso", .string(TimeFormat.iso($0)))] } ?? []) + [
            ("ok", .bool(report.succeeded)),
            ("dry_run", .bool(report.dryRun)),
            ("results", .array(report.results.map { result in
                .object([
                    ("cache", .string(result.cacheAlias)),
                    ("database", .string(result.databaseAlias)),
                    ("tables", .int(result.tables)),
                    ("reason", .string(result.reason.rawValue)),
                    ("changed", .strings(result.changed)),
                    ("invalidated", .bool(result.invalidated)),
                    ("evidence_saved", .bool(result.stateSaved)),
                    ("evidence_read_at", .number(result.evidenceReadAt)),
                    ("evidence_read_iso", .string(TimeFormat.iso(result.evidenceReadAt))),
                    ("evidence_limits", .string(result.limits)),
                ])
            })),
            ("skipped_caches", FailureOutput.skippedJSON(report.skippedCaches)),
        ] + FailureOutput.jsonMembers(report.failures))
    }
}
