import CMariaDB

/// A Django MySQL/MariaDB database (mysql, GIS and wrapper engines)
/// through libmariadb, connected as Django connects (MySQLParameters).
/// Reads run in READ ONLY transactions; `write` uses its own connection.
public final class MySQLDatabase: Database {
    public let settings: DatabaseSettings
    private let parameters: MySQLParameters
    private let connection: MySQLConnection

    public init(settings: DatabaseSettings, timeout: Double) throws {
        self.settings = settings
        parameters = try MySQLParameters(settings, timeout: timeout)
        connection = try Self.connect(parameters)
    }

    private static func connect(_ parameters: MySQLParameters) throws -> MySQLConnection {
        do {
            return try MySQLConnection(parameters)
        } catch let error as MySQLError {
            throw CachalotError.runtime(error.description, hint: hint(for: error.code))
        }
    }

    /// What to check for the usual connection failures (MySQL error numbers).
    private static func hint(for code: UInt32) -> String? {
        switch code {
        case 1045: return "check DATABASES USER and PASSWORD (or the option file); a user that REQUIRE SSL fails the same way without TLS"
        case 1044, 1049: return "check DATABASES NAME and the user's grants"
        case 2002, 2003, 2005: return "check DATABASES HOST and PORT (a path is a unix socket), and that the server runs"
        case 2013: return "the server did not answer in time; raise --timeout or OPTIONS connect_timeout / read_timeout"
        case 2026: return "check OPTIONS ssl and ssl_mode, and the server's TLS set-up"
        case 1040: return "the server is out of connections; retry later or raise max_connections"
        default: return nil
        }
    }

    private func run(_ sql: String) throws -> MySQLConnection.Rows {
        do {
            return try connection.execute(sql)
        } catch let error as MySQLError {
            throw CachalotError.runtime(error.description)
        }
    }

    private func firstColumn(_ rows: MySQLConnection.Rows) -> [String] {
        rows.values.compactMap { row in row.first.flatMap { $0.map { String(decoding: $0, as: UTF8.self) } } }
    }

    // MARK: introspection

    /// Django's `get_table_list`: `information_schema.tables` of the current
    /// database, 'BASE TABLE' kept (and 'VIEW' with views), names as the
    /// server reports them; sorted as Python sorts.
    public func tableNames(includingViews: Bool) throws -> [String] {
        let types = includingViews ? "('BASE TABLE', 'VIEW')" : "('BASE TABLE')"
        return firstColumn(try run("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type IN \(types)"))
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func contentTypes() throws -> [ContentType] {
        try run("SELECT app_label, model FROM django_content_type ORDER BY app_label, model").values.compactMap { row in
            guard row.count == 2, let app = row[0], let model = row[1] else { return nil }
            return ContentType(appLabel: String(decoding: app, as: UTF8.self), model: String(decoding: model, as: UTF8.self))
        }
    }

    // MARK: statements

    /// mysqlclient's client-side binding: every `%s` becomes the next
    /// parameter's literal (a canonical integer bare, anything else quoted
    /// and escaped by the server's rules), `%%` becomes `%`.
    func interpolated(_ sql: String, _ parameters: [String]) throws -> String {
        var result = ""
        var remaining = parameters[...]
        var index = sql.startIndex
        while index < sql.endIndex {
            let next = sql.index(after: index)
            if sql[index] == "%", next < sql.endIndex, sql[next] == "s" || sql[next] == "%" {
                if sql[next] == "%" {
                    result.append("%")
                } else {
                    guard let value = remaining.popFirst() else { throw CachalotError.usage("more %s placeholders than --param values") }
                    if let number = Int(value), String(number) == value { result += value } else { result += connection.literal(value) }
                }
                index = sql.index(after: next)
            } else {
                result.append(sql[index])
                index = next
            }
        }
        return result
    }

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

    /// The tables a statement reads are found by cachalot's raw-SQL rule
    /// over every table and view (MySQL's EXPLAIN names aliases, not
    /// tables), each view bringing the relations its definition names, and
    /// the base tables of the server's rewritten statement (EXPLAIN
    /// EXTENDED's note), which sees through views and derived tables.
    public func analyze(_ sql: String, parameters: [String]) throws -> StatementAnalysis {
        let count = Self.placeholderCount(sql)
        var analysis = StatementAnalysis(readTables: [], writtenTables: [], columns: [], isReadOnly: false, parameterCount: count)
        guard count == parameters.count else { return analysis }
        let text = try interpolated(sql, parameters)
        do {
            analysis.columns = try connection.columns(text)
        } catch let error as MySQLError {
            // 1064 on "a; b": more than one statement.
            if error.code == 1064, sql.contains(";"), !sql.trimmed().hasSuffix(";") {
                throw CachalotError.usage("give one SQL statement at a time: \(quoted(sql))")
            }
            throw CachalotError.runtime(error.description)
        }
        let relations = try tableNames(includingViews: true)
        var named = RawSQLRules.tablesNamed(in: sql, among: relations)
        named += try viewTables(of: named, relations: relations)
        let keyword = sql.drop { $0.isWhitespace || $0 == "(" }.prefix { $0.isLetter }.lowercased()
        let reads = ["select", "with", "show", "describe", "desc", "explain", "values", "table"].contains(keyword)
        let locks = sql.lowercased().includes("for update") || sql.lowercased().includes("lock in share mode")
        analysis.isReadOnly = reads && !locks && !RawSQLRules.changesData(sql)
        if analysis.isReadOnly {
            named += rewrittenTables(text, relations: relations)
            analysis.readTables = named.uniqued()
        } else {
            analysis.writtenTables = named.uniqued()
        }
        return analysis
    }

    /// The relations each view's definition names, views inside views too.
    private func viewTables(of names: [String], relations: [String]) throws -> [String] {
        var pending = names, seen = Set(names), found: [String] = []
        for _ in 0..<16 where !pending.isEmpty {
            let list = pending.map { connection.literal($0) }.joined(separator: ", ")
            pending = []
            let definitions = try run("SELECT view_definition FROM information_schema.views WHERE table_schema = DATABASE() AND table_name IN (\(list))")
            for definition in firstColumn(definitions) {
                for table in RawSQLRules.tablesNamed(in: definition, among: relations) where seen.insert(table).inserted {
                    found.append(table)
                    pending.append(table)
                }
            }
        }
        return found
    }

    /// `db`.`name` pairs of the current database in EXPLAIN EXTENDED's
    /// rewritten statement that are tables or views; nothing when the
    /// server cannot explain it.
    private func rewrittenTables(_ text: String, relations: [String]) -> [String] {
        guard (try? connection.execute("EXPLAIN EXTENDED " + text)) != nil,
              let warnings = try? connection.execute("SHOW WARNINGS") else { return [] }
        let known = Set(relations)
        var found: [String] = []
        for row in warnings.values where row.count == 3 {
            guard let message = row[2].map({ String(decoding: $0, as: UTF8.self) }) else { continue }
            let parts = message.split(separator: "`", omittingEmptySubsequences: false).map(String.init)
            // Backquoted names sit at odd positions; `a`.`b` has "." between them.
            var index = 1
            while index + 2 < parts.count {
                if parts[index + 1] == ".", known.contains(parts[index + 2]) { found.append(parts[index + 2]) }
                index += 2
            }
        }
        return found.uniqued()
    }

    public func read(_ sql: String, parameters: [String]) throws -> [[PickleValue]] {
        let text = try interpolated(sql, parameters)
        _ = try run("START TRANSACTION READ ONLY")
        defer { _ = try? connection.execute("COMMIT") }
        let rows = try run(text)
        do {
            return try rows.values.map { row in
                try zip(row, rows.fields).map { value, field in try value.map { try MySQLValueDecoder.decode($0, field: field) } ?? .none }
            }
        } catch let failure as MySQLValueDecoder.Failure {
            throw CachalotError.runtime("a value Python cannot hold, as Django would fail on it: \(failure)")
        }
    }

    /// In a transaction on its own connection; relations the text names are
    /// listed again before the commit (DDL may have made one; MySQL commits
    /// DDL by itself).
    public func write(_ sql: String, parameters: [String]) throws -> WriteOutcome {
        let writable = try Self.connect(self.parameters)
        do {
            let text = try interpolated(sql, parameters)
            try writable.execute("START TRANSACTION")
            let changed = try writable.execute(text).changed
            let relations = try writable.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()").values
                .compactMap { $0.first.flatMap { $0.map { String(decoding: $0, as: UTF8.self) } } }
            try writable.execute("COMMIT")
            return WriteOutcome(changedRows: changed, laterTables: RawSQLRules.tablesNamed(in: sql, among: relations))
        } catch let error as MySQLError {
            _ = try? writable.execute("ROLLBACK")
            throw CachalotError.runtime(error.description)
        }
    }

    /// The server's version against what the site's Django supports.
    public func serverFacts() throws -> DatabaseFacts {
        let version = connection.serverVersion
        let clock = firstColumn(try run("SELECT UNIX_TIMESTAMP(NOW(6))")).first.flatMap(Double.init)
        let numbers = version.split(whereSeparator: { !$0.isNumber }).prefix(3).compactMap { Int($0) }
        let isMariaDB = version.lowercased().contains("mariadb")
        let floor = settings.siteVersions.databaseFloor(isMariaDB ? "mariadb" : "mysql")
        let unsupported = numbers.lexicographicallyPrecedes(floor.version)
            ? "\(floor.django) needs \(isMariaDB ? "MariaDB" : "MySQL") \(floor.version.map(String.init).joined(separator: ".")) or later" : nil
        return DatabaseFacts(version: (isMariaDB ? "" : "MySQL ") + version, unsupported: unsupported, serverTime: clock)
    }
}
