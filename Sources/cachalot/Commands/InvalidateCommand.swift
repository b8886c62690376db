import CachalotKit

/// `cachalot invalidate`: runs `InvalidateOperation` and prints its report
/// in Django's words (-v 1), per table (-v 2, 3), or as JSON.
enum InvalidateCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let verbosity = arguments.choice(CommandTable.verbosity) ?? .djangos
        let json = arguments.flag(.json)
        let operation = InvalidateOperation(context.selection, dryRun: arguments.flag(.dryRun))
        let settings = try context.loadSettings()
        let report = try operation.run(settings: settings, backends: context.backends)
        if verbosity >= .djangos && !json { Console.out(announcement(operation, report)) }

        if verbosity >= .djangos || json { CommandContext.noteSkipped(report.skippedCaches) }
        CommandContext.show(report.notices, verbosity: verbosity)
        warnAboutKeys(report, cachalotCache: settings.cachalot.cache)
        FailureOutput.report(report.failures)
        if !report.labels.isEmpty {
            var warned = Set<[String]>()
            for result in report.results {
                for table in result.skippedUncachable where warned.insert([result.databaseAlias, table]).inserted {
                    Console.warning("database '\(result.databaseAlias)' table \(table): skipped, uncachable (CACHALOT_UNCACHABLE_TABLES, CACHALOT_ONLY_CACHABLE_TABLES or their app settings); the site never caches queries on it")
                }
            }
        }
        if !report.succeeded {
            let others = report.results.contains { !$0.written.isEmpty }
            Console.err("cachalot: error: invalidation incomplete: some caches or databases failed (see above)" + (others ? "; the others were invalidated" : "; nothing was invalidated"))
        }
        if json {
            Console.out(self.json(report).serialized)
        } else {
            printText(report, verbosity: verbosity)
        }
        return report.succeeded ? 0 : CachalotError.ExitCode.runtime.rawValue
    }

    /// Django's `invalidate_cachalot` wording.
    static func announcement(_ operation: InvalidateOperation, _ report: InvalidationReport) -> String {
        // Concatenated, not joined: joined(separator:) sets up generic
        // machinery that cost a one-app run more than the rest of this line.
        var text = (operation.dryRun ? "Would invalidate " : "Invalidating ")
            + (report.modelCount.map { "keys for \($0) models" } ?? "all keys")
        if let cache = operation.selection.cacheAlias { text += " on cache '\(cache)'" }
        if let database = operation.selection.databaseAlias { text += " for database '\(database)'" }
        return text + "..."
    }

    private static func printText(_ report: InvalidationReport, verbosity: Verbosity) {
        if verbosity >= .perTable {
            for result in report.results {
                let verb = report.dryRun ? "would invalidate" : "invalidated"
                let schema = result.schema.map { " schema '\($0)'" } ?? ""
                Console.out("cache '\(result.cacheAlias)' (\(result.address)) database '\(result.databaseAlias)'\(schema): \(verb) \(TextFormatting.counted(result.tables.count, "table"))")
                let kept = Dictionary(result.keptNewer.map { ($0.table, $0.stored) }, uniquingKeysWith: { first, _ in first })
                let skipped = Dictionary(result.skipped.map { ($0.table, $0.reason) }, uniquingKeysWith: { first, _ in first })
                let replaced = Set(result.replacedUnreadable.map(\.table))
                let written = Set(result.written), onRunnerUp = Set(result.onRunnerUp)
                for (table, key) in zip(result.tables, result.keys) {
                    let state = kept[table].map { "kept newer \(PythonFloatRepr.repr($0))" }
                        ?? skipped[table].map { "skipped: \($0)" }
                        ?? (written.contains(table) ? "\(verb) \(PythonFloatRepr.repr(report.timestamp))"
                                + (replaced.contains(table) ? " (replaced an unreadable value)" : "")
                                + (onRunnerUp.contains(table) ? " on the runner-up server only, its own being down" : "")
                            : "NOT \(verb): its server failed (see above)")
                    Console.out("  \(table): \(state)" + (verbosity >= .withKeys ? " key \(key)" : ""))
                }
                for table in result.skippedUncachable { Console.out("  \(table): skipped (uncachable)") }
            }
        }
        guard verbosity >= .djangos else { return }
        if report.dryRun {
            Console.out("Dry run: nothing was written.")
        } else if report.succeeded {
            // Tables named on the command line that the site never caches:
            // nothing to invalidate, and not to be called a success.
            let cachable = report.results.contains { !$0.tables.isEmpty }
            Console.out(cachable || report.labels.isEmpty ? "Cache keys successfully invalidated."
                        : "No cache keys invalidated: the site caches no query on the tables named.")
        }
    }

    /// A stamp newer than ours by less than this was most likely written by
    /// another run a moment ago, not by a server whose clock is ahead.
    static let clockTolerance = 1.0

    /// Stamps kept because a writer's clock is ahead, unreadable values
    /// overwritten, and caches where no table key existed before: a fresh
    /// cache, or settings that miss the site's (KEY_PREFIX, VERSION,
    /// LOCATION), where every stamp lands where Django never reads.
    private static func warnAboutKeys(_ report: InvalidationReport, cachalotCache: String) {
        // Only CACHALOT_CACHE holds table keys between invalidations.
        let results = report.results.filter { $0.cacheAlias == cachalotCache }
        let written = results.reduce(0) { $0 + $1.written.count }
        if written > 0, written == results.reduce(0, { $0 + $1.created.count }) {
            Console.warning("cache '\(cachalotCache)' (\(results[0].address)): none of the \(written) table keys \(report.dryRun ? "to write" : "written") existed before. A fresh cache, or not the one the site uses (KEY_PREFIX, VERSION, LOCATION): run cachalot doctor")
        }
        for result in report.results {
            for (table, stored) in result.keptNewer where stored - report.timestamp > clockTolerance {
                let ahead = TextFormatting.fixed(stored - report.timestamp, digits: 3)
                Console.warning("cache '\(result.cacheAlias)' database '\(result.databaseAlias)' table \(table): stored timestamp \(PythonFloatRepr.repr(stored)) is \(ahead) s ahead of this host's clock; kept it. A server writing to this cache has its clock ahead; cached queries on this table may be served stale until then.")
            }
            for (table, found) in result.replacedUnreadable {
                Console.warning("cache '\(result.cacheAlias)' database '\(result.databaseAlias)' table \(table): the stored value was not a timestamp (\(found)); \(report.dryRun ? "would overwrite" : "overwrote") it as a missing key")
            }
        }
    }

    static func json(_ report: InvalidationReport) -> JSONValue {
        .object([
            ("ok", .bool(report.succeeded)),
            ("dry_run", .bool(report.dryRun)),
            ("timestamp", .number(report.timestamp)),
            ("labels", .strings(report.labels)),
            ("models", report.modelCount.map(JSONValue.int) ?? .null),
            ("results", .array(report.results.map { result in
                .object([
                    ("cache", .string(result.cacheAlias)),
                    ("location", .string(result.address)),
                    ("database", .string(result.databaseAlias)),
                ] + (result.schema.map { [("schema", JSONValue.string($0))] } ?? []) + [
                    ("tables", .strings(result.tables)),
                    ("skipped_uncachable", .strings(result.skippedUncachable)),
                    ("written", .strings(result.written)),
                    ("on_runner_up", .strings(result.onRunnerUp)),
                    ("kept_newer", .array(result.keptNewer.map {
                        .object([("table", .string($0.table)), ("stored", .number($0.stored))])
                    })),
                    ("replaced_unreadable", .array(result.replacedUnreadable.map {
                        .object([("table", .string($0.table)), ("found", .string($0.found))])
                    })),
                    ("skipped", .array(result.skipped.map {
                        .object([("table", .string($0.table)), ("reason", .string($0.reason))])
                    })),
                ])
            })),
            ("skipped_caches", FailureOutput.skippedJSON(report.skippedCaches)),
        ] + FailureOutput.jsonMembers(report.failures))
    }
}
