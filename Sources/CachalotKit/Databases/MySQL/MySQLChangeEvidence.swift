/// `sync`'s evidence on MySQL and MariaDB. InnoDB's own counters
/// (UPDATE_TIME, the statistics' modification counters) live in memory and
/// are lost on restart, so they cannot say "unchanged"; every row is read:
/// - `CHECKSUM TABLE`: each row's stored bytes, exactly (a double's too);
///   but one CRC over a row's values end to end, with no lengths between
///   them, so ('Ann', 'Marie') and ('AnnM', 'arie') sum alike;
/// - so also a sum of per-row MD5s (60 bits each) of the values' bytes
///   joined by 0x1f (the unit separator), which a value moving into the
///   next column changes: both stay only if the bytes that moved are all
///   0x1f. A CRC-32 would be cheaper, but CRCs are linear: rows trading
///   shifted values kept both sums about once in 65,000 tries;
/// - the columns' names, types and order, which neither sees (two columns
///   swapping names keep every byte where it was);
/// - the table's AUTO_INCREMENT, which an insert moves even when a delete
///   undoes it.
extension MySQLDatabase: ChangeEvidenceSource {
    public func changeEvidence(of tables: [String]) throws -> ChangeEvidence {
        // AUTO_INCREMENT is read before and after the rows: a table whose mark
        // moved meanwhile took an insert during the read, and its token would
        // be half old, half new (the next sync would find the same change again).
        // Such tables are read again, up to three times, then taken with the
        // mark from before their rows were read: an insert the read missed
        // then moves the mark the next sync compares (the one from after
        // would hide it for good once a delete undoes it).
        // MySQL 8 serves AUTO_INCREMENT from a statistics cache for up to a day
        // unless told not to; MariaDB reads it live and has no such variable
        // (its error is ignored: a lost connection fails the next statement).
        _ = try? run("SET SESSION information_schema_stats_expiry = 0")
        let shapes = try columns()
        var tokens: [String: String] = [:]
        var pending = tables
        var before = try increments()
        for attempt in 1...3 where !pending.isEmpty {
            let checksums = try checksums(of: pending)
            // Each table's rows and columns as read this time; a table this cannot
            // read (gone, or refused) has no evidence: it is invalidated.
            var contents: [String: String] = [:]
            for table in pending {
                guard let checksum = checksums[table], let shape = Self.shape(of: table, in: shapes),
                      let rows = try? rowDigest(of: table, columns: shape) else { continue }
                contents[table] = [checksum, rows, Self.signature(shape)].joined(separator: ":")
            }
            let after = try increments()
            var moved: [String] = []
            for table in pending {
                guard let content = contents[table] else { continue }
                if before[table] != after[table] && attempt < 3 {
                    moved.append(table)
                } else {
                    tokens[table] = content + (before[table].map { ":" + $0 } ?? "")
                }
            }
            pending = moved
            before = after
        }
        return ChangeEvidence(epoch: "", tokens: tokens,
                              limits: "CHECKSUM TABLE and an MD5 of each row's values read every row of every table; an update undone before the next sync looks unchanged, though the site may have cached the row in between")
    }

    /// One column as `information_schema.columns` describes it.
    struct Column {
        var name: String
        var type: String
    }

    /// Every table's columns in their order, in one statement.
    private func columns() throws -> [String: [Column]] {
        var columns: [String: [Column]] = [:]
        let sql = "SELECT table_name, column_name, column_type FROM information_schema.columns "
            + "WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position"
        for row in try run(sql).values where row.count == 3 {
            // Names in the connection's charset, as the table list decodes them.
            guard let table = row[0].flatMap(connection.decoded), let name = row[1].flatMap(connection.decoded),
                  let type = row[2].flatMap(connection.decoded) else { continue }
            columns[table, default: []].append(Column(name: name, type: type))
        }
        return columns
    }

    /// A table's columns; under lower_case_table_names the server lists
    /// "mytable" for the "MyTable" MODELS names (and CHECKSUM TABLE reads).
    private static func shape(of table: String, in shapes: [String: [Column]]) -> [Column]? {
        shapes[table] ?? shapes[table.lowercased()]
    }

    /// The columns' names, types and order, as 16 hex digits of a SHA-1.
    private static func signature(_ columns: [Column]) -> String {
        let text = columns.map { "\($0.name.utf8.count):\($0.name) \($0.type)" }.joined(separator: "\n")
        return String(TextFormatting.hex(bytes: SHA1.hash(text)).prefix(16))
    }

    /// "rows/sum": the row count and the sum of each row's MD5 (its first
    /// 60 bits) over its values' bytes in column order, joined by 0x1f
    /// (CONCAT_WS leaves NULLs out: CHECKSUM TABLE sees where they are).
    /// CAST AS BINARY: CONCAT_WS refuses some mixes of charsets (utf8mb4
    /// with utf16, latin1 with greek). 410 ms for 300,000 rows of five
    /// columns on MariaDB 10.11, where CHECKSUM TABLE takes 70.
    private func rowDigest(of table: String, columns: [Column]) throws -> String {
        let values = columns.map { "CAST(\(Self.identifier($0.name)) AS BINARY)" }.joined(separator: ", ")
        let digest = "CAST(CONV(LEFT(MD5(CONCAT_WS(0x1f, \(values))), 15), 16, 10) AS UNSIGNED)"
        let sql = "SELECT COUNT(*), CAST(IFNULL(SUM(\(digest)), 0) AS CHAR) FROM \(Self.identifier(table))"
        guard let row = try run(sql).values.first, row.count == 2, let count = row[0], let sum = row[1] else {
            throw CachalotError.runtime("table \(table): no row count")
        }
        return String(decoding: count, as: UTF8.self) + "/" + String(decoding: sum, as: UTF8.self)
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
            let names = chunk.map(Self.identifier).joined(separator: ", ")
            // One row per table, in the order named; NULL for a table that is gone.
            for (table, row) in zip(chunk, try run("CHECKSUM TABLE \(names)").values) where row.count >= 2 {
                if let checksum = row[1] { checksums[table] = String(decoding: checksum, as: UTF8.self) }
            }
        }
        return checksums
    }

    private static func identifier(_ name: String) -> String { "`" + name.replacing("`", with: "``") + "`" }
}
