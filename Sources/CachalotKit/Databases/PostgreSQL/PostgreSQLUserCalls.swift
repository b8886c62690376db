/// Functions a plan calls that are not built into PostgreSQL: their bodies
/// may read tables the plan never shows (EXPLAIN does not look inside a
/// function), so a statement calling one is never cached.
///
/// Built in is what initdb made (OIDs below FirstNormalObjectId, 16384);
/// extensions' and users' functions are not. The plan's deparsed
/// expressions show every function call as `name(` (schema-qualified or
/// quoted as needed) and every operator as ` op `; a name written in a
/// string literal only makes the rule more careful. Operators count when
/// the function behind them is in a language that can run queries (not C
/// or internal): extensions' C operators such as citext's `=` are left alone.
enum PostgreSQLUserCalls {
    static let firstNormalObjectId = 16384

    /// The first user function or operator `texts` call, as shown to the user.
    static func first(in texts: [String], connection: PostgreSQLConnection) throws -> String? {
        let rows = try connection.execute("""
            SELECT DISTINCT proname || '()' FROM pg_catalog.pg_proc WHERE oid >= \(firstNormalObjectId)
            UNION SELECT DISTINCT 'operator ' || o.oprname FROM pg_catalog.pg_operator o
              JOIN pg_catalog.pg_proc p ON p.oid = o.oprcode JOIN pg_catalog.pg_language l ON l.oid = p.prolang
              WHERE o.oid >= \(firstNormalObjectId) AND l.lanname NOT IN ('c', 'internal')
            """).firstColumn
        guard !rows.isEmpty else { return nil }
        let called = Set(texts.flatMap(calledNames))
        let operators = rows.filter { $0.hasPrefix("operator ") }
        if let function = rows.first(where: { $0.hasSuffix("()") && called.contains(String($0.dropLast(2))) }) { return function }
        return operators.first { name in texts.contains { $0.contains(" " + name.dropFirst("operator ".count) + " ") } }
    }

    /// Identifiers (bare or "quoted") followed by `(`.
    static func calledNames(_ text: String) -> [String] {
        var names: [String] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            var name = ""
            if characters[index] == "\"" {
                index += 1
                while index < characters.count {
                    if characters[index] == "\"" {
                        if index + 1 < characters.count, characters[index + 1] == "\"" { name.append("\""); index += 2; continue }
                        index += 1
                        break
                    }
                    name.append(characters[index])
                    index += 1
                }
            } else if characters[index] == "_" || characters[index].isLetter {
                while index < characters.count, characters[index] == "_" || characters[index] == "$"
                        || characters[index].isLetter || characters[index].isNumber {
                    name.append(characters[index])
                    index += 1
                }
            } else {
                index += 1
                continue
            }
            if index < characters.count, characters[index] == "(" { names.append(name) }
        }
        return names
    }
}
