/// `sync`'s evidence on MySQL and MariaDB: `CHECKSUM TABLE`, which reads
/// every row on InnoDB (the engine Django creates tables with); exact, as
/// the content is; and the table's AUTO_INCREMENT, which an insert moves
/// even when a delete undoes it. InnoDB's own counters (UPDATE_TIME, the
/// statistics' modification counters) live in memory and are lost on
/// restart, so they cannot say "unchanged".
extension MySQLDatabase: ChangeEvidenceSource {
    public func changeEvidence(of tables: [String]) throws -> ChangeEvidence {
        // AUTO_INCREMENT is read before and after the checksums: a table whose
        // mark moved meanwhile took an insert during the read, and its token would
        // be half old, half new (the next sync would find the same change again).
        // Such tables are read again, up to three times, then taken as they are.
        // MySQL 8 serves AUTO_INCREMENT from a statistics cache for up to a day
        // unless told not to; MariaDB reads it live and has no such variable
        // (its error is ignored: a lost connection fails the next statement).
        _ = try? run("SET SESSION information_schema_stats_expiry = 0")
        var tokens: [String: String] = [:]
        var pending = tables
        var before = try increments()
        for attempt in 1...3 where !pending.isEmpty {
            let checksums = try checksums(of: pending)
            let after = try increments()
            var moved: [String] = []
            for table in pending {
                guard let checksum = checksums[table] else { continue }
                if before[table] != after[table] && attempt < 3 {
                    moved.append(table)
                } else {
                    tokens[table] = checksum + (after[table].map { ":" + $0 } ?? "")
                }
            }
            pending = moved
            before = after
        }
        return ChangeEvidence(epoch: "", tokens: tokens,
                              limits: "CHECKSUM TABLE reads every row of every table; an update undone before the next sync looks unchanged, though the site may have cached the row in between")
    }

    /// Each table's AUTO_INCREMENT, where it has one.
    private func increments() throws -> [String: String] {
        var increments: [String: String] = [:]
        for row in try run("SELECT table_name, CAST(auto_increment AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE()").values
        where row.count == 2 {
            if let name = row[0], let value = row[1] { increments[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self) }
        }
        return increments
    }

    /// CHECKSUM TABLE of each table, 100 to a statement; a table that is
    /// gone has none.
    private func checksums(of tables: [String]) throws -> [String: String] {
        var checksums: [String: String] = [:]
        for start in stride(from: 0, to: tables.count, by: 100) {
            let chunk = Array(tables[start..<min(start + 100, tables.count)])
            let names = chunk.map { "`" + $0.replacing("`", with: "``") + "`" }.joined(separator: ", ")
            // One row per table, in the order named; NULL for a table that is gone.
            for (table, row) in zip(chunk, try run("CHECKSUM TABLE \(names)").values) where row.count >= 2 {
                if let checksum = row[1] { checksums[table] = String(decoding: checksum, as: UTF8.self) }
            }
        }
        return checksums
    }
}
