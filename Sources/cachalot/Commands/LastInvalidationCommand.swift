import CachalotKit

/// `cachalot last-invalidation`: prints `LastInvalidationOperation`'s value
/// as Python prints it, or as ISO time, age, JSON, or per table. When a
/// cache or database failed, stdout stays empty: a partial maximum is not
/// the answer, and a script must not take it for one.
enum LastInvalidationCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let format = arguments.flag(.json) ? .json : arguments.choice(CommandTable.format) ?? .float
        let operation = LastInvalidationOperation(context.selection)
        let report = try operation.run(settings: try context.loadSettings(), backends: context.backends)
        let now = context.now()

        CommandContext.noteSkipped(report.skippedCaches)
        CommandContext.show(report.notices)
        for key in report.unreadable {
            Console.warning("cache '\(key.cacheAlias)' database '\(key.databaseAlias)' table \(key.table): the stored value is not a timestamp (\(key.found)); counted as missing")
        }
        guard report.failures.isEmpty else {
            FailureOutput.report(report.failures)
            return CachalotError.ExitCode.runtime.rawValue
        }
        if arguments.flag(.perTable) {
            printPerTable(report, format: format, now: now)
        } else {
            Console.out(render(report.lastInvalidation, format: format, now: now))
        }
        return 0
    }

    private static func render(_ value: Double, format: TimestampFormat, now: Double) -> String {
        switch format {
        case .iso: return value == 0 ? "never" : TimeFormat.iso(value)
        case .age: return value == 0 ? "never" : TimeFormat.age(value, now: now)
        case .json: return JSONValue.object(json(value, now: now)).serialized
        case .float: return PythonFloatRepr.repr(value)
        }
    }

    private static func json(_ value: Double, now: Double) -> [(String, JSONValue)] {
        [
            ("last_invalidation", .number(value)),
            ("iso", value == 0 ? .null : .string(TimeFormat.iso(value))),
            ("age_seconds", value == 0 ? .null : .number(now - value)),
        ]
    }

    private static func printPerTable(_ report: LastInvalidationReport, format: TimestampFormat, now: Double) {
        if format == .json {
            Console.out(JSONValue.array(report.tables.map { row in
                .object([("cache", .string(row.cacheAlias)), ("database", .string(row.databaseAlias))]
                        + (row.schema.map { [("schema", JSONValue.string($0))] } ?? [])
                        + [("table", .string(row.table))] + json(row.timestamp, now: now))
            }).serialized)
            return
        }
        // A schema column on a tenant site only: other sites' output is unchanged.
        let schemas = report.tables.contains { $0.schema != nil }
        let rows = report.tables.map { row in
            [render(row.timestamp, format: format, now: now), row.cacheAlias, row.databaseAlias]
                + (schemas ? [row.schema ?? ""] : []) + [row.table]
        }
        ColumnText.lines(header: ["invalidated", "cache", "database"] + (schemas ? ["schema"] : []) + ["table"], rows: rows).forEach(Console.out)
    }
}
