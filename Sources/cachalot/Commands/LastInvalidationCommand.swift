import CachalotKit

/// `cachalot last-invalidation`: prints `LastInvalidationOperation`'s value
/// as Python prints it, or as ISO time, age, JSON, or per table.
enum LastInvalidationCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let arguments = context.arguments
        let format = arguments.flag(CommandTable.json) ? "json" : arguments.value(CommandTable.format) ?? "float"
        let operation = LastInvalidationOperation(context.selection)
        let report = try operation.run(settings: try context.loadSettings(), backends: try context.backends())
        let now = SystemClock.now()

        CommandContext.noteSkipped(report.skippedCaches)
        for failure in report.failures { Console.err("cachalot: error: \(failure.error)") }
        if arguments.flag(CommandTable.perTable) {
            printPerTable(report, format: format, now: now)
        } else {
            Console.out(render(report.lastInvalidation, format: format, now: now))
        }
        return report.failures.isEmpty ? 0 : CachalotError.ExitCode.runtime.rawValue
    }

    private static func render(_ value: Double, format: String, now: Double) -> String {
        switch format {
        case "iso": return value == 0 ? "never" : TimeFormat.iso(value)
        case "age": return value == 0 ? "never" : TimeFormat.age(value, now: now)
        case "json": return json(value, now: now).serialized
        default: return PythonFloatRepr.repr(value)
        }
    }

    private static func json(_ value: Double, now: Double) -> JSONValue {
        .object([
            ("last_invalidation", .number(value)),
            ("iso", value == 0 ? .null : .string(TimeFormat.iso(value))),
            ("age_seconds", value == 0 ? .null : .number(now - value)),
        ])
    }

    private static func printPerTable(_ report: LastInvalidationReport, format: String, now: Double) {
        if format == "json" {
            Console.out(JSONValue.array(report.tables.map { row in
                .object([("cache", .string(row.cacheAlias)), ("database", .string(row.databaseAlias)),
                         ("table", .string(row.table))] + (json(row.timestamp, now: now).objectMembers))
            }).serialized)
            return
        }
        for row in report.tables {
            Console.out([render(row.timestamp, format: format, now: now), row.cacheAlias, row.databaseAlias, row.table]
                .joined(separator: "\t"))
        }
    }
}

private extension JSONValue {
    var objectMembers: [(String, JSONValue)] {
        if case .object(let members) = self { return members }
        return []
    }
}
