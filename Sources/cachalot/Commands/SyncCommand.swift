import CachalotKit

/// `cachalot sync`: runs `SyncOperation` and prints, per cache and
/// database, which tables changed and were invalidated, or JSON.
enum SyncCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let operation = SyncOperation(context.selection, dryRun: arguments.flag(.dryRun))
        let report = try operation.run(settings: try context.loadSettings(), backends: context.backends)
        CommandContext.noteSkipped(report.skippedCaches)
        FailureOutput.report(report.failures)
        if arguments.flag(.json) {
            Console.out(json(report).serialized)
        } else {
            for result in report.results { Console.out(line(result, dryRun: report.dryRun)) }
            if report.dryRun { Console.out("Dry run: nothing was written.") }
        }
        return report.succeeded ? 0 : CachalotError.ExitCode.runtime.rawValue
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

    static func json(_ report: SyncReport) -> JSONValue {
        .object([
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
                    ("evidence_limits", .string(result.limits)),
                ])
            })),
            ("skipped_caches", FailureOutput.skippedJSON(report.skippedCaches)),
        ] + FailureOutput.jsonMembers(report.failures))
    }
}
