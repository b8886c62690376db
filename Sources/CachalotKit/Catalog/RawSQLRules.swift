/// django-cachalot's tests on the text of raw SQL (cachalot/monkey_patch.py
/// and utils.py), for statements that come from the command line.
public enum RawSQLRules {
    static let writeKeywords: Set<String> = ["update", "insert", "delete", "alter", "create", "drop"]

    /// `(\W|\A)(update|insert|delete|alter|create|drop)(\W|\Z)`, case-insensitive:
    /// cachalot's test for SQL that changes data (CACHALOT_INVALIDATE_RAW),
    /// on the statement itself: comments and quoted text left out, so
    /// `/* update */ SELECT …` is a read. (Whether a statement writes is the
    /// database's answer too; this only adds.)
    public static func changesData(_ sql: String) -> Bool {
        words(of: withoutCommentsAndLiterals(sql)).contains { writeKeywords.contains($0) }
    }

    /// `sql` with `-- …` and `/* … */` comments and '…' literals replaced by
    /// a space; MySQL's `/*! … */`, which the server runs, is kept.
    static func withoutCommentsAndLiterals(_ sql: String) -> String {
        let text = Array(sql.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < text.count {
            let next = index + 1 < text.count ? text[index + 1] : " "
            if text[index] == "-" && next == "-" {
                while index < text.count && text[index] != "\n" { index += 1 }
            } else if text[index] == "/" && next == "*" && (index + 2 >= text.count || text[index + 2] != "!") {
                index += 2
                while index < text.count && !(text[index] == "*" && index + 1 < text.count && text[index + 1] == "/") { index += 1 }
                index += 2
            } else if text[index] == "'" {
                index += 1
                while index < text.count && text[index] != "'" { index += 1 }
                index += 1
            } else {
                result.append(text[index])
                index += 1
                continue
            }
            result.append(" ")
        }
        return String(result)
    }

    /// `order\s+by\s+random\s*\(`, case-insensitive: a random order, which
    /// cachalot caches only with CACHALOT_CACHE_RANDOM.
    public static func ordersByRandom(_ sql: String) -> Bool {
        let text = Array(sql.lowercased().unicodeScalars)
        var index = 0
        func word(_ expected: String) -> Bool {
            let scalars = Array(expected.unicodeScalars)
            guard index + scalars.count <= text.count, Array(text[index..<index + scalars.count]) == scalars else { return false }
            index += scalars.count
            return true
        }
        func spaces(atLeast minimum: Int) -> Bool {
            let start = index
            while index < text.count, text[index].properties.isWhitespace { index += 1 }
            return index - start >= minimum
        }
        for start in text.indices where text[start] == "o" {
            index = start
            if word("order"), spaces(atLeast: 1), word("by"), spaces(atLeast: 1), word("random"), spaces(atLeast: 0), word("(") {
                return true
            }
        }
        return false
    }

    /// The runs of word characters (Python's `\w`: letters, digits, `_`), lower-cased.
    static func words(of sql: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in sql.lowercased() {
            if character.isLetter || character.isNumber || character == "_" {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}

extension RawSQLRules {
    /// `_get_tables_from_sql`: every candidate table whose name appears in
    /// the lower-cased SQL, as a plain substring test (so `shop_item` also
    /// matches `shop_item_view`). Conservative: more tables, never fewer;
    /// so unlike django-cachalot, a mixed-case name (`ShopGadget`, which
    /// servers with lower_case_table_names report as `shopgadget`) is
    /// looked for lower-cased too.
    public static func tablesNamed(in sql: String, among candidates: [String]) -> [String] {
        let lowered = sql.lowercased()
        return candidates.filter { !$0.isEmpty && lowered.includes($0.lowercased()) }
    }
}
