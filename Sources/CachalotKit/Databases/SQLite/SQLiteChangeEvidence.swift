/// `sync`'s evidence on SQLite, which keeps no per-table change counter
/// (the header's change counter is per file, and does not move per
/// transaction in WAL mode; `dbstat` misses same-size updates): a SHA-1 of
/// each table's CREATE statement (columns renamed into each other's places
/// move no value; a virtual generated column's expression) and stored
/// values — type and bytes, before any converter of Django's, which would
/// make `2` and `1` one boolean — and the table's AUTOINCREMENT high-water
/// mark (Django's AutoField), which an insert moves even when a delete
/// undoes it. Every row is read.
extension SQLiteDatabase: ChangeEvidenceSource {
    public func changeEvidence(of tables: [String]) throws -> ChangeEvidence {
        let sequenced = try !read("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'", parameters: []).isEmpty
        // Every table's statement and stored columns in one statement, not one
        // PRAGMA per table. table_xinfo has STORED generated columns (hidden 3);
        // a VIRTUAL one (2) is left to its expression in the statement: reading
        // it runs the expression, which may call a function of Django's own
        // (django_date_extract) that this connection has not.
        var shapes: [String: TableShape] = [:]
        for row in try read("SELECT m.name, m.sql, p.name FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p "
                            + "WHERE m.type = 'table' AND p.hidden IN (0, 3) ORDER BY m.name, p.cid", parameters: []) {
            guard row.count == 3, case .string(let table) = row[0], case .string(let column) = row[2] else { continue }
            var shape = shapes[table] ?? TableShape(statement: "", columns: [])
            if case .string(let statement) = row[1] { shape.statement = statement }
            shape.columns.append(column)
            shapes[table] = shape
        }
        var tokens: [String: String] = [:]
        for table in tables {
            // SQLite names tables without regard to ASCII case: MODELS may say
            // "foo" of a table created as "Foo".
            let shape = shapes[table] ?? shapes.first { Self.sameName($0.key, table) }?.value ?? TableShape(statement: "", columns: [])
            do {
                tokens[table] = try token(of: table, shape: shape, sequenced: sequenced)
            } catch let error as CachalotError where error.exitCode == .usage {
                throw error
            } catch {
                continue  // a table that cannot be read has no evidence: it is invalidated
            }
        }
        return ChangeEvidence(epoch: "", tokens: tokens,
                              limits: "SQLite keeps no change counter per table: each table's stored values are hashed (every row is read); an update undone before the next sync looks unchanged, though the site may have cached the row in between")
    }

    /// A table as sqlite_master has it: its CREATE statement and the columns
    /// whose values are stored, in order.
    private struct TableShape {
        var statement: String
        var columns: [String]
    }

    /// "rows:sha1[:sequence]". The digest reads the CREATE statement and a
    /// line feed first, then each row as "type:hex|…", a real
    /// as its eight bytes (`cachalot_real_bits`: hex() would print its text
    /// with 15 digits, printf drops the sign of -0.0).
    /// Each value is a result column of its own: one expression joining
    /// them all nests four levels a column, past SQLite's depth limit of
    /// 1,000 at some 250 columns. The high-water mark and the rows come from
    /// one statement, so from one snapshot: read apart, a write landing
    /// between the two made a token half old, half new, and the next sync
    /// found the same change again.
    private func token(of table: String, shape: TableShape, sequenced: Bool) throws -> String {
        let columns = shape.columns
        guard !columns.isEmpty else { throw CachalotError.runtime("table \(table) has no columns") }
        let values = columns.map { column in
            let quoted = Self.identifier(column)
            return "typeof(\(quoted)) || ':' || CASE typeof(\(quoted)) WHEN 'real' THEN cachalot_real_bits(\(quoted)) ELSE hex(\(quoted)) END"
        }.joined(separator: ", ")
        // CAST: read() binds text that reads as a number as one, and a table named "2024" is text in sqlite_sequence.
        // NOCASE: sqlite_sequence keeps the name as the table was created.
        let sequenceQuery = sequenced ? "(SELECT CAST(seq AS TEXT) FROM sqlite_sequence WHERE name = CAST(?1 AS TEXT) COLLATE NOCASE)" : "NULL"
        var digest = SHA1()
        digest.update(Array((shape.statement + "\n").utf8))
        var count = 0
        var sequence: String?
        // Rows are hashed 64 KiB at a time: one update per row cost more
        // than the hashing.
        var batch: [UInt8] = []
        batch.reserveCapacity(1 << 16)
        // The first column tells the high-water mark's row (0) from the table's (1).
        let padding = String(repeating: ", NULL", count: columns.count - 1)
        let sql = "SELECT 0, \(sequenceQuery)\(padding) UNION ALL SELECT 1, \(values) FROM \(Self.identifier(table))"
        for row in try read(sql, parameters: sequenced ? [table] : []) {
            guard case .int(let kind)? = row.first, row.count == columns.count + 1 else {
                throw CachalotError.runtime("table \(table): a row read in another shape")
            }
            if kind == 0 {
                if case .string(let seq) = row[1] { sequence = seq }
                continue
            }
            for index in 1...columns.count {
                guard case .string(let text) = row[index] else { throw CachalotError.runtime("table \(table): a value read as no text") }
                if index > 1 { batch.append(UInt8(ascii: "|")) }
                batch += text.utf8
            }
            batch.append(10)
            if batch.count >= 1 << 16 {
                digest.update(batch)
                batch.removeAll(keepingCapacity: true)
            }
            count += 1
        }
        digest.update(batch)
        return "\(count):" + TextFormatting.hex(bytes: digest.finalize()) + (sequence.map { ":" + $0 } ?? "")
    }

    /// Equal but for the case of ASCII letters, as SQLite compares names.
    private static func sameName(_ first: String, _ second: String) -> Bool {
        func folded(_ byte: UInt8) -> UInt8 { (0x41...0x5a).contains(byte) ? byte | 0x20 : byte }
        return first.utf8.count == second.utf8.count && zip(first.utf8, second.utf8).allSatisfy { folded($0) == folded($1) }
    }

    private static func identifier(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }
}
