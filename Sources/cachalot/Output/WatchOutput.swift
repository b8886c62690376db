import CachalotKit

/// `watch`'s events and summaries as lines for people or JSON Lines.
enum WatchOutput {
    /// "2026-11-28T14:05:02.123+00:00  default  default  library_book (library.Book)  2 together  gap 4.250 s"
    static func line(_ event: WatchEvent, local: Bool) -> String {
        let models = event.models.isEmpty ? "" : " (\(event.models.joined(separator: ", ")))"
        let gap = event.gap.map { "gap \(TextFormatting.fixed($0, digits: 3)) s" } ?? "gap -"
        return [TimeFormat.milliseconds(event.time, local: local), event.cacheAlias, event.key.databaseAlias, event.key.table + models,
                "\(event.together) together", gap].joined(separator: "  ")
    }

    static func json(_ event: WatchEvent) -> JSONValue {
        .object([
            ("type", .string("invalidation")), ("time", .number(event.time)), ("iso", .string(TimeFormat.iso(event.time))),
            ("cache", .string(event.cacheAlias)), ("database", .string(event.key.databaseAlias)),
            ("table", .string(event.key.table)), ("models", .strings(event.models)),
            ("together", .int(event.together)), ("gap_seconds", .optional(event.gap)),
        ])
    }

    static func summaryJSON(_ tables: [WatchTableSummary], seconds: Double, polls: Int, medianPoll: Double?,
                            maxPoll: Double?, final: Bool) -> JSONValue {
        .object([
            ("type", .string("summary")), ("final", .bool(final)), ("seconds", .number(seconds)),
            ("polls", .int(polls)), ("poll_ms_median", .optional(medianPoll)), ("poll_ms_max", .optional(maxPoll)),
            ("invalidations", .int(tables.reduce(0) { $0 + $1.invalidations })),
            ("tables", .array(tables.map { table in
                .object([
                    ("cache", .string(table.cacheAlias)), ("database", .string(table.key.databaseAlias)),
                    ("table", .string(table.key.table)), ("models", .strings(table.models)),
                    ("invalidations", .int(table.invalidations)), ("per_minute", .optional(table.perMinute)),
                    ("last", .number(table.last)), ("last_iso", .string(TimeFormat.iso(table.last))),
                ])
            })),
        ])
    }

    /// A header line, then one line per table, busiest first.
    static func summaryText(_ tables: [WatchTableSummary], seconds: Double, polls: Int, medianPoll: Double?, local: Bool) -> String {
        let total = tables.reduce(0) { $0 + $1.invalidations }
        let lines = ["watched \(TextFormatting.fixed(seconds, digits: 1)) s: \(TextFormatting.counted(polls, "poll"))"
            + (medianPoll.map { ", median \(TextFormatting.fixed($0, digits: 2)) ms each" } ?? "")
            + ", \(TextFormatting.counted(total, "invalidation")) of \(TextFormatting.counted(tables.count, "table"))"]
        guard !tables.isEmpty else { return lines[0] }
        let rows = [["per min", "count", "last", "cache", "database", "table"]] + tables.map { table in
            [table.perMinute.map { TextFormatting.fixed($0, digits: 2) } ?? "-", String(table.invalidations), TimeFormat.milliseconds(table.last, local: local),
             table.cacheAlias, table.key.databaseAlias,
             table.key.table + (table.models.isEmpty ? "" : " (\(table.models.joined(separator: ", ")))")]
        }
        return (lines + ColumnText.aligned(rows)).joined(separator: "\n")
    }
}
