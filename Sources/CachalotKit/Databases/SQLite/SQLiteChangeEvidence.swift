import Crypto

/// `sync`'s evidence on SQLite, which keeps no per-table change counter
/// (the header's change counter is per file, and does not move per
/// transaction in WAL mode; `dbstat` misses same-size updates): a SHA-1 of
/// each table's rows as Django reads them, which reads every row.
extension SQLiteDatabase: ChangeEvidenceSource {
    public func changeEvidence(of tables: [String]) throws -> ChangeEvidence {
        var tokens: [String: String] = [:]
        for table in tables {
            let quoted = "\"" + table.replacing("\"", with: "\"\"") + "\""
            // A table that cannot be read has no evidence: it is invalidated.
            guard let rows = try? read("SELECT * FROM \(quoted)", parameters: []) else { continue }
            var digest = Insecure.SHA1()
            for row in rows {
                guard let bytes = try? PickleWriter.dumps(.tuple(row), protocol: 4) else { continue }
                digest.update(data: bytes)
            }
            tokens[table] = "\(rows.count):" + TextFormatting.hex(bytes: digest.finalize())
        }
        return ChangeEvidence(epoch: "", tokens: tokens,
                              limits: "SQLite keeps no change counter per table: each table's rows are hashed (every row is read), so a table changed and changed back between two syncs looks unchanged")
    }
}
