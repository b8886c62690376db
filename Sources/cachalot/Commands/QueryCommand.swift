import CachalotKit
import Glibc

/// `cachalot query`: runs `QueryOperation` and prints its rows, or with
/// --peek what the cache holds for the query.
enum QueryCommand {
    /// SQL read from standard input is a statement, not a dump.
    static let sqlSizeLimit = 16 << 20

    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        guard arguments.positionals.count == 1, let given = arguments.positionals.first else {
            throw CachalotError.usage("query takes one SQL statement (or - to read it from standard input), got \(arguments.positionals.count)")
        }
        let sql = given == "-" ? try readStandardInput() : given
        guard !sql.isEmpty else { throw CachalotError.usage("the SQL statement is empty") }
        let mode: QueryOperation.Mode = arguments.flag(.peek) ? .peek : arguments.flag(.noCache) ? .noCache : .cached
        let operation = QueryOperation(sql: sql, parameters: arguments.all(.param), selection: context.selection,
                                       mode: mode, allowWrite: arguments.flag(.write))
        let outcome = try operation.run(settings: try context.loadSettings(), backends: context.backends)
        let now = context.now()
        let format = arguments.choice(CommandTable.rowFormat) ?? (isatty(STDOUT_FILENO) == 1 ? .table : .tsv)

        if arguments.flag(.verbose) { Console.err("cachalot: " + summary(outcome, now: now)) }
        if case .written = outcome.status {
            let tables = outcome.tables.joined(separator: ", ")
            let invalidated = tables.isEmpty ? "" : outcome.invalidation == nil
                ? "; not invalidated (CACHALOT_INVALIDATE_RAW is false): \(tables)" : "; invalidated \(tables)"
            Console.out("\(TextFormatting.counted(outcome.changedRows ?? 0, "row")) changed" + invalidated)
            guard let invalidation = outcome.invalidation else { return 0 }
            FailureOutput.report(invalidation.failures)
            return invalidation.succeeded ? 0 : CachalotError.ExitCode.runtime.rawValue
        }
        if mode == .peek {
            printPeek(outcome, now: now, format: format)
            return 0
        }
        Console.out(RowFormatter.render(columns: outcome.columns, rows: outcome.rows, format: format))
        return 0
    }

    private static func readStandardInput() throws -> String {
        do {
            let bytes = try FileSystem.readAll(descriptor: STDIN_FILENO, limit: sqlSizeLimit, name: "standard input")
            return String(decoding: bytes, as: UTF8.self).trimmed()
        } catch let failure as FileSystem.Failure where failure.code == EFBIG {
            throw CachalotError.usage("the SQL on standard input is larger than 16 MiB")
        }
    }

    static func summary(_ outcome: QueryOutcome, now: Double) -> String {
        let tables = "tables: " + (outcome.tables.isEmpty ? "none" : outcome.tables.joined(separator: ", "))
        switch outcome.status {
        case .hit:
            let source = outcome.databaseOpened ? "" : " (database not opened: its analysis was remembered)"
            return "hit\(source), stored \(outcome.entryTimestamp.map { TimeFormat.age($0, now: now) } ?? "?") s ago, \(tables)"
        case .miss: return "miss, stored now, \(tables)"
        case .stale: return "miss (stale entry, a table was invalidated after it), stored now, \(tables)"
        case .uncachable(let reason): return "uncachable (\(reason)), \(tables)"
        case .written: return "write, \(TextFormatting.counted(outcome.changedRows ?? 0, "row")) changed, \(tables)"
        case .notCached: return "not cached, \(tables)"
        }
    }

    /// What the cache holds for the query: whether, since when, fresh or
    /// stale against each table key, then its rows. JSON carries it all in
    /// one object; CSV and TSV carry only rows on stdout, the status goes
    /// to stderr so the output stays machine-readable.
    static func printPeek(_ outcome: QueryOutcome, now: Double, format: RowFormat) {
        let fresh = outcome.status == .hit
        let rows = RowFormatter.render(columns: outcome.columns, rows: outcome.rows, format: format)
        switch format {
        case .json:
            Console.out(JSONValue.object([
                ("cached", .bool(outcome.entryTimestamp != nil)),
                ("stored", .optional(outcome.entryTimestamp)),
                ("fresh", .bool(fresh)),
                ("tables", .array(outcome.tableTimestamps.map { .object([("table", .string($0.table)), ("invalidated", .optional($0.timestamp))]) })),
                ("columns", .strings(outcome.columns)),
                ("rows", RowFormatter.json(columns: outcome.columns, rows: outcome.rows)),
            ]).serialized)
        case .table:
            Console.out(peekStatus(outcome, fresh: fresh, now: now).joined(separator: "\n")
                        + (outcome.entryTimestamp == nil ? "" : "\n\n" + rows))
        case .csv, .tsv:
            Console.err(peekStatus(outcome, fresh: fresh, now: now).map { "cachalot: " + $0 }.joined(separator: "\n"))
            if outcome.entryTimestamp != nil { Console.out(rows) }
        }
    }

    private static func peekStatus(_ outcome: QueryOutcome, fresh: Bool, now: Double) -> [String] {
        var status = ["cached: no"]
        if let stored = outcome.entryTimestamp {
            status = ["cached: yes", "stored: \(TimeFormat.iso(stored)) (\(TimeFormat.age(stored, now: now)) s ago)",
                      "fresh: \(fresh ? "yes" : "no")"]
        }
        return status + outcome.tableTimestamps.map { row in
            guard let time = row.timestamp else { return "table \(row.table): no table key (entry is stale)" }
            let newer = outcome.entryTimestamp.map { time > $0 } ?? false
            return "table \(row.table): \(TimeFormat.iso(time))" + (newer ? " (invalidated after the entry: stale)" : "")
        }
    }
}
