/// What a statement reads and writes on MySQL/MariaDB, found without
/// running it. MySQL's EXPLAIN names aliases, not tables, so the tables are
/// every table and view whose name the text contains (case-insensitively:
/// `ShopGadget` and `shopgadget` may be one table), each view bringing what
/// its definition names, plus the base tables of the server's rewritten
/// statement (EXPLAIN EXTENDED's note), which sees through views and
/// derived tables. Everything runs inside a READ ONLY transaction that is
/// rolled back: nothing the analysis evaluates can change data.
extension MySQLDatabase {
    static func placeholderCount(_ sql: String) -> Int {
        var count = 0
        var previousPercent = false
        for character in sql {
            if previousPercent {
                if character == "s" { count += 1 }
                previousPercent = false
            } else if character == "%" {
                previousPercent = true
            }
        }
        return count
    }

    public func analyze(_ sql: String, parameters: [String]) throws -> StatementAnalysis {
        try requireCodec()
        let count = Self.placeholderCount(sql)
        var analysis = StatementAnalysis(readTables: [], writtenTables: [], columns: [], isReadOnly: false, parameterCount: count)
        guard count == parameters.count else { return analysis }
        let text = try interpolated(sql, parameters)
        let keyword = Self.firstKeyword(RawSQLRules.withoutCommentsAndLiterals(sql))
        let reads = ["select", "with", "show", "describe", "desc", "explain", "values", "table"].contains(keyword)
        let locks = sql.lowercased().includes("for update") || sql.lowercased().includes("lock in share mode")
        analysis.isReadOnly = reads && !locks && !RawSQLRules.changesData(sql)
        // The server refuses to prepare a write in a READ ONLY transaction;
        // preparing never runs it, and the transaction is rolled back.
        _ = try run(analysis.isReadOnly ? "START TRANSACTION READ ONLY" : "START TRANSACTION")
        defer { _ = try? connection.execute("ROLLBACK") }
        do {
            analysis.columns = try connection.columns(text)
        } catch let error as MySQLError where error.code == 1792 && analysis.isReadOnly {
            // The server will not even prepare it read-only: it calls a
            // stored function that writes. It is a write.
            analysis.isReadOnly = false
        } catch let error as MySQLError {
            // 1064 on "a; b": more than one statement.
            if error.code == 1064, sql.contains(";"), !sql.trimmed().hasSuffix(";") {
                throw CachalotError.usage("give one SQL statement at a time: \(quoted(sql))")
            }
            throw CachalotError.runtime(error.description)
        }
        let relations = try tableNames(includingViews: true)
        var named = RawSQLRules.tablesNamed(in: sql, among: relations)
        let views = try viewDefinitions(of: named, relations: relations)
        named += views.tables
        let functions = try storedFunctions(calledIn: [sql] + views.definitions)
        guard analysis.isReadOnly else {
            analysis.writtenTables = try writtenTables(keyword: keyword, named: named.uniqued(), callsFunctions: !functions.isEmpty,
                                                       relations: relations)
            return analysis
        }
        if let function = functions.first {
            // A stored function reads tables no text shows, on every call.
            analysis.tablesCertain = false
            analysis.uncachableReason = "it calls the stored function \(function), whose tables are not known"
        } else if let rewritten = rewrittenTables(text, relations: relations) {
            named += rewritten
        } else {
            analysis.tablesCertain = false
        }
        analysis.readTables = named.uniqued()
        return analysis
    }

    static func firstKeyword(_ sql: String) -> String {
        sql.drop { $0.isWhitespace || $0 == "(" }.prefix { $0.isLetter }.lowercased()
    }

    /// The relations each view's definition names, views inside views too,
    /// and the definitions read.
    private func viewDefinitions(of names: [String], relations: [String]) throws -> (tables: [String], definitions: [String]) {
        var pending = names, seen = Set(names), found: [String] = [], definitions: [String] = []
        for _ in 0..<16 where !pending.isEmpty {
            let list = try pending.map { try connection.literal($0) }.joined(separator: Array(", ".utf8))
            pending = []
            let rows = try run(Array("SELECT view_definition FROM information_schema.views WHERE table_schema = DATABASE() AND table_name IN (".utf8)
                               + list + [UInt8(ascii: ")")])
            for definition in try firstColumn(rows) {
                definitions.append(definition)
                for table in RawSQLRules.tablesNamed(in: definition, among: relations) where seen.insert(table).inserted {
                    found.append(table)
                    pending.append(table)
                }
            }
        }
        return (found, definitions)
    }

    /// Stored functions (of any schema the user sees) named as a word in
    /// any of the texts; routine names are case-insensitive.
    private func storedFunctions(calledIn texts: [String]) throws -> [String] {
        let functions = try firstColumn(run("SELECT DISTINCT routine_name FROM information_schema.routines WHERE routine_type = 'FUNCTION'"))
        guard !functions.isEmpty else { return [] }
        let words = Set(texts.flatMap(RawSQLRules.words))
        return functions.filter { words.contains($0.lowercased()) }
    }

    /// The tables a write changes: the relations it names and the base
    /// tables of views it names. Every relation of the database when it may
    /// change more than its text shows: a stored routine (CALL, a stored
    /// function), a trigger on a named table, a foreign key that cascades
    /// from one, or a kind of statement whose targets its text may not name.
    private func writtenTables(keyword: String, named: [String], callsFunctions: Bool, relations: [String]) throws -> [String] {
        let exactKinds: Set<String> = ["insert", "update", "delete", "replace", "truncate", "alter", "create", "drop", "rename", "load"]
        guard exactKinds.contains(keyword), !callsFunctions else { return relations }
        guard !named.isEmpty else { return named }
        let list = try named.map { try connection.literal($0.lowercased()) }.joined(separator: Array(", ".utf8))
        let triggers = try run(Array("SELECT 1 FROM information_schema.triggers WHERE event_object_schema = DATABASE() AND LOWER(event_object_table) IN (".utf8)
                               + list + Array(") LIMIT 1".utf8))
        let cascades = try run(Array("""
            SELECT 1 FROM information_schema.referential_constraints WHERE constraint_schema = DATABASE() \
            AND (update_rule NOT IN ('RESTRICT', 'NO ACTION') OR delete_rule NOT IN ('RESTRICT', 'NO ACTION')) \
            AND LOWER(referenced_table_name) IN (
            """.utf8) + list + Array(") LIMIT 1".utf8))
        return triggers.values.isEmpty && cascades.values.isEmpty ? named : relations
    }

    /// `db`.`name` pairs in EXPLAIN EXTENDED's rewritten statement that are
    /// tables or views of the current database (matched case-insensitively);
    /// nil when the server cannot explain it.
    private func rewrittenTables(_ text: [UInt8], relations: [String]) -> [String]? {
        guard (try? connection.execute(Array("EXPLAIN EXTENDED ".utf8) + text)) != nil,
              let warnings = try? connection.execute("SHOW WARNINGS") else { return nil }
        var known: [String: [String]] = [:]
        for relation in relations { known[relation.lowercased(), default: []].append(relation) }
        var found: [String] = []
        for row in warnings.values where row.count == 3 {
            guard let message = row[2].flatMap(connection.decoded) else { return nil }
            let parts = message.split(separator: "`", omittingEmptySubsequences: false).map(String.init)
            // Backquoted names sit at odd positions; `a`.`b` has "." between them.
            var index = 1
            while index + 2 < parts.count {
                if parts[index + 1] == ".", let matches = known[parts[index + 2].lowercased()] { found += matches }
                index += 2
            }
        }
        return found.uniqued()
    }
}
