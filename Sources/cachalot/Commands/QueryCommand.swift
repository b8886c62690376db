import CachalotKit
import Foundation

/// `cachalot query`: runs `QueryOperation` and prints its rows, or with
/// --peek what the cache holds for the query.
enum QueryCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        guard arguments.positionals.count == 1, let given = arguments.positionals.first else {
            throw CachalotError.usage("query takes one SQL statement (or - to read it from standard input), got \(arguments.positionals.count)")
        }
        let sql = given == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines) : given
        guard !sql.isEmpty else { throw CachalotError.usage("the SQL statement is empty") }
        if arguments.flag(CommandTable.peek) && (arguments.flag(CommandTable.write) || arguments.flag(CommandTable.noCache)) {
            throw CachalotError.usage("--peek only reads the cache; it cannot go with --write or --no-cache")
        }
        let mode: QueryOperation.Mode = arguments.flag(CommandTable.peek) ? .peek : arguments.flag(CommandTable.noCache) ? .noCache : .cached
        let operation = QueryOperation(sql: sql, parameters: arguments.all(CommandTable.parameter), selection: context.selection,
                                       mode: mode, allowWrite: arguments.flag(CommandTable.write))
        let outcome = try operation.run(settings: try context.loadSettings(), backends: try context.backends())
        let now = SystemClock.now()
        let format = arguments.value(CommandTable.rowFormat) ?? (isatty(STDOUT_FILENO) == 1 ? "table" : "tsv")

        if arguments.flag(CommandTable.verbose) { Console.err("cachalot: " + summary(outcome, now: now)) }
        if case .written = outcome.status {
            let tables = outcome.tables.joined(separator: ", ")
            Console.out("\(outcome.changedRows ?? 0) rows changed" + (tables.isEmpty ? "" : "; invalidated \(tables)"))
            return outcome.invalidation.map { $0.succeeded ? 0 : CachalotError.ExitCode.runtime.rawValue } ?? 0
        }
        if mode == .peek {
            Console.out(peekText(outcome, now: now, format: format))
            return 0
        }
        Console.out(RowFormatter.render(columns: outcome.columns, rows: outcome.rows, format: format))
        return 0
    }

    static func summary(_ outcome: QueryOutcome, now: Double) -> String {
        let tables = "tables: " + (outcome.tables.isEmpty ? "none" : outcome.tables.joined(separator: ", "))
        switch outcome.status {
        case .hit: return "hit, stored \(outcome.entryTimestamp.map { TimeFormat.age($0, now: now) } ?? "?") s ago, \(tables)"
        case .miss: return "miss, stored now, \(tables)"
        case .stale: return "miss (stale entry, a table was invalidated after it), stored now, \(tables)"
        case .uncachable(let reason): return "uncachable (\(reason)), \(tables)"
        case .written: return "write, \(outcome.changedRows ?? 0) rows changed, \(tables)"
        case .notCached: return "not cached, \(tables)"
        }
    }

    /// What the cache holds for the query: whether, since when, fresh or
    /// stale against each table key, then its rows.
    static func peekText(_ outcome: QueryOutcome, now: Double, format: String) -> String {
        let fresh = outcome.status == .hit
        let tables = outcome.tableTimestamps.map { row -> (String, String) in
            guard let time = row.timestamp else { return (row.table, "no table key (entry is stale)") }
            let newer = outcome.entryTimestamp.map { time > $0 } ?? false
            return (row.table, "\(TimeFormat.iso(time))" + (newer ? " (invalidated after the entry: stale)" : ""))
        }
        if format == "json" {
            return JSONValue.object([
                ("cached", .bool(outcome.entryTimestamp != nil)),
                ("stored", .optional(outcome.entryTimestamp)),
                ("fresh", .bool(fresh)),
                ("tables", .array(outcome.tableTimestamps.map { .object([("table", .string($0.table)), ("invalidated", .optional($0.timestamp))]) })),
                ("columns", .strings(outcome.columns)),
                ("rows", RowFormatter.json(columns: outcome.columns, rows: outcome.rows)),
            ]).serialized
        }
        guard let stored = outcome.entryTimestamp else {
            return (["cached: no"] + tables.map { "table \($0.0): \($0.1)" }).joined(separator: "\n")
        }
        var lines = ["cached: yes", "stored: \(TimeFormat.iso(stored)) (\(TimeFormat.age(stored, now: now)) s ago)",
                     "fresh: \(fresh ? "yes" : "no")"]
        lines += tables.map { "table \($0.0): \($0.1)" }
        return lines.joined(separator: "\n") + "\n\n" + RowFormatter.render(columns: outcome.columns, rows: outcome.rows, format: format)
    }
}
