/// `sync`'s evidence on MySQL and MariaDB: `CHECKSUM TABLE`, which reads
/// every row on InnoDB (the engine Django creates tables with); exact, as
/// the content is; and the table's AUTO_INCREMENT, which an insert moves
/// even when a delete undoes it. InnoDB's own counters (UPDATE_TIME, the
/// statistics' modification counters) live in memory and are lost on
/// restart, so they cannot say "unchanged".
extension MySQLDatabase: ChangeEvidenceSource {
    public func changeEvidence(of tables: [String]) throws -> ChangeEvidence {
        var increments: [String: String] = [:]
        for row in try run("SELECT table_name, CAST(auto_increment AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE()").values
        where row.count == 2 {
            if let name = row[0], let value = row[1] { increments[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self) }
        }
        var tokens: [String: String] = [:]
        for start in stride(from: 0, to: tables.count, by: 100) {
            let chunk = Array(tables[start..<min(start + 100, tables.count)])
            let names = chunk.map { "`" + $0.replacing("`", with: "``") + "`" }.joined(separator: ", ")
            let rows = try run("CHECKSUM TABLE \(names)")
            // One row per table, in the order named; NULL for a table that is gone.
            for (table, row) in zip(chunk, rows.values) where row.count >= 2 {
                if let checksum = row[1] {
                    tokens[table] = String(decoding: checksum, as: UTF8.self) + (increments[table].map { ":" + $0 } ?? "")
                }
            }
        }
        return ChangeEvidence(epoch: "", tokens: tokens,
                              limits: "CHECKSUM TABLE reads every row of every table; an update undone before the next sync looks unchanged, though the site may have cached the row in between")
    }
}
