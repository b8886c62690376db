import CPq

/// A Django PostgreSQL database (postgresql, postgis, wrapper engines)
/// through libpq, connected as Django connects (PostgreSQLParameters).
/// Reads run on a read-only session; `write` opens its own writable one.
public final class PostgreSQLDatabase: Database {
    public let settings: DatabaseSettings
    private let timeout: Double
    private let connection: PostgreSQLConnection
    private let decoder: PostgreSQLValueDecoder


    public init(settings: DatabaseSettings, timeout: Double) throws {
        self.settings = settings
        self.timeout = timeout
        decoder = PostgreSQLValueDecoder(clock: settings.clock)
        connection = try Self.connect(settings, timeout: timeout, readOnly: true)
    }

    /// Connects and sets the session up as Django's init_connection_state
    /// does: the time zone Django uses, SET ROLE for assume_role, and a
    /// tenant's search path as the tenant packages set it.
    private static func connect(_ settings: DatabaseSettings, timeout: Double, readOnly: Bool) throws -> PostgreSQLConnection {
        let parameters = PostgreSQLParameters(settings, timeout: timeout, readOnly: readOnly)
        do {
            let connection = try PostgreSQLConnection(parameters: parameters.keywords, timeout: timeout,
                                                      connectTimeout: parameters.connectTimeout)
            let zone = settings.clock.sessionZone
            if connection.parameter("TimeZone") != zone {
                try connection.execute("SELECT pg_catalog.set_config('TimeZone', $1, false)", parameters: [zone])
            }
            if let role = parameters.assumeRole {
                try connection.execute("SELECT pg_catalog.set_config('role', $1, false)", parameters: [role])
            }
            if let path = settings.searchPath {
                let quoted = path.map { "\"" + $0.replacing("\"", with: "\"\"") + "\"" }.joined(separator: ", ")
                try connection.execute("SELECT pg_catalog.set_config('search_path', $1, false)", parameters: [quoted])
            }
            return connection
        } catch let error as PostgreSQLError {
            throw CachalotError.runtime(error.description, hint: hint(for: error))
        }
    }

    /// What to check for the usual connection failures (libpq gives no
    /// SQLSTATE for them: its words are matched).
    private static func hint(for error: PostgreSQLError) -> String? {
        let text = error.message
        if text.contains("password authentication failed") || text.contains("no password supplied") {
            return "check DATABASES USER and PASSWORD (or PGPASSWORD, ~/.pgpass)"
        }
        if text.contains("does not exist") { return "check DATABASES NAME (or OPTIONS dbname / service)" }
        if text.contains("Connection refused") || text.contains("No such file or directory") || text.contains("could not translate host name") {
            return "check DATABASES HOST and PORT, and that the server runs"
        }
        if text.contains("SSL") || text.contains("no pg_hba.conf entry") { return "check OPTIONS sslmode and the server's pg_hba.conf" }
        if text.contains("too many") || text.contains("reserved") { return "the server is out of connection slots; retry later or raise max_connections" }
        if error.timedOut { return "the server did not answer in time; raise --timeout or OPTIONS connect_timeout" }
        return nil
    }

    // MARK: introspection

    /// Django's `get_table_list`: type 't' is ordinary and partitioned
    /// tables and foreign tables visible on the search_path; views adds
    /// views, materialized views and partitions. Sorted as Python sorts
    /// (by code point).
    public func tableNames(includingViews: Bool) throws -> [String] {
        try catalogue(Self.relationsQuery(includingViews: includingViews)).firstColumn
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func relationsQuery(includingViews: Bool) -> String {
        let kinds = includingViews ? "" : "AND c.relkind IN ('f', 'p', 'r') AND NOT c.relispartition"
        return """
            SELECT c.relname FROM pg_catalog.pg_class c
            LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v') \(kinds)
              AND n.nspname NOT IN ('pg_catalog', 'pg_toast') AND pg_catalog.pg_table_is_visible(c.oid)
            """
    }

    public func contentTypes() throws -> [ContentType] {
        try catalogue("SELECT app_label, model FROM django_content_type ORDER BY app_label, model").values.compactMap { row in
            guard row.count == 2, let app = row[0], let model = row[1] else { return nil }
            return ContentType(appLabel: String(decoding: app, as: UTF8.self), model: String(decoding: model, as: UTF8.self))
        }
    }

    func catalogue(_ sql: String, parameters: [String?] = []) throws -> PostgreSQLRows {
        do {
            return try connection.execute(sql, parameters: parameters)
        } catch let error as PostgreSQLError {
            throw CachalotError.runtime(error.description)
        }
    }

    // MARK: statements

    /// Columns and placeholders from the server's own parser (prepare +
    /// describe); tables from the plan, partitions mapped to their parent
    /// tables, plus every relation (views included) the raw-SQL rule finds
    /// in the text, since a plan never names a view or a join it removed.
    public func analyze(_ sql: String, parameters: [String]) throws -> StatementAnalysis {
        let text = Self.dollarPlaceholders(sql)
        let described: (columns: [String], types: [Oid], parameterCount: Int)
        do {
            described = try connection.describe(text)
        } catch let error as PostgreSQLError where error.message.contains("multiple commands") {
            throw CachalotError.usage("give one SQL statement at a time: \(quoted(sql))")
        } catch let error as PostgreSQLError {
            throw CachalotError.runtime(error.description)
        }
        var analysis = StatementAnalysis(readTables: [], writtenTables: [], columns: described.columns,
                                         isReadOnly: false, parameterCount: described.parameterCount)
        guard described.parameterCount == parameters.count else { return analysis }
        let named = RawSQLRules.tablesNamed(in: sql, among: try tableNames(includingViews: true))
        let plan: PostgreSQLPlan
        do {
            let rows = try connection.execute("EXPLAIN (FORMAT JSON, VERBOSE) " + text, parameters: parameters)
            guard let json = rows.firstColumn.first else { throw PostgreSQLError(message: "EXPLAIN returned nothing") }
            plan = try PostgreSQLPlan(json: json)
        } catch let error as PostgreSQLError where error.sqlState == "42601" {
            // Not a plannable statement (DDL, TRUNCATE, …): it changes what it names.
            analysis.writtenTables = named
            return analysis
        } catch is PostgreSQLError {
            // Planning itself failed (`SELECT 1/0` is folded at plan time, a
            // lock timeout): the tables are not known, so the statement runs
            // uncached and shows the real error.
            analysis.readTables = named
            analysis.writtenTables = RawSQLRules.changesData(sql) ? named : []
            analysis.isReadOnly = !RawSQLRules.changesData(sql)
            analysis.tablesCertain = false
            return analysis
        }
        if let call = try PostgreSQLUserCalls.first(in: plan.texts, connection: connection) {
            analysis.uncachableReason = "it calls \(call), which is not built into PostgreSQL and may read tables its plan does not show"
        }
        let reads = try tables(of: plan.reads), writes = try tables(of: plan.writes)
        analysis.readTables = (reads.map(\.key) + named).uniqued()
        analysis.writtenTables = (writes.map(\.key) + (plan.writes.isEmpty ? [] : named)).uniqued()
        analysis.qualifiedReadTables = reads.map(\.qualified)
        analysis.qualifiedWrittenTables = writes.map(\.qualified)
        analysis.isReadOnly = plan.writes.isEmpty && !plan.locksRows
        if analysis.isReadOnly { analysis.readsBeyondTables = try readsHierarchies(analysis.readTables) }
        return analysis
    }

    /// True when a table read is partitioned, a partition, or has
    /// inheritance children: which children a statement reads depends on
    /// the plan's pruning and on children created or constrained later,
    /// by DDL that need not name the parent. Keys as `tables(of:)` makes them.
    private func readsHierarchies(_ tables: [String]) throws -> Bool {
        guard !tables.isEmpty else { return false }
        let rows = try catalogue("""
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE (c.relkind = 'p' OR c.relispartition OR c.relhassubclass)
                  AND CASE WHEN pg_catalog.pg_table_is_visible(c.oid) THEN c.relname ELSE n.nspname || '.' || c.relname END = ANY($1::text[]))
            """, parameters: [Self.arrayLiteral(tables)])
        return rows.firstColumn.first == "t"
    }

    /// Table names as Django keys them (the bare name of a relation visible
    /// on the search_path, "schema.name" otherwise) and "schema.name"; a
    /// partition brings every table it belongs to.
    private func tables(of relations: [PostgreSQLPlan.Relation]) throws -> [(key: String, qualified: String)] {
        guard !relations.isEmpty else { return [] }
        let rows = try catalogue("""
            WITH r(nsp, rel) AS (SELECT * FROM unnest($1::text[], $2::text[])),
            c AS (SELECT rc.oid FROM r JOIN pg_catalog.pg_namespace rn ON rn.nspname = r.nsp
                  JOIN pg_catalog.pg_class rc ON rc.relnamespace = rn.oid AND rc.relname = r.rel),
            every AS (SELECT oid FROM c UNION SELECT a.relid FROM c, pg_catalog.pg_partition_ancestors(c.oid) a(relid))
            SELECT CASE WHEN pg_catalog.pg_table_is_visible(k.oid) THEN k.relname ELSE n.nspname || '.' || k.relname END,
                   n.nspname || '.' || k.relname
            FROM every JOIN pg_catalog.pg_class k ON k.oid = every.oid
            JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace
            """, parameters: [Self.arrayLiteral(relations.map(\.schema)), Self.arrayLiteral(relations.map(\.name))])
        return rows.values.compactMap { row in
            guard row.count == 2, let key = row[0], let qualified = row[1] else { return nil }
            return (String(decoding: key, as: UTF8.self), String(decoding: qualified, as: UTF8.self))
        }
    }

    /// A text[] literal for binding: every element quoted and escaped.
    static func arrayLiteral(_ items: [String]) -> String {
        "{" + items.map { item in
            "\"" + item.escaping { $0 == "\\" || $0 == "\"" ? "\\" + String($0) : nil } + "\""
        }.joined(separator: ",") + "}"
    }

    public func read(_ sql: String, parameters: [String]) throws -> [[PickleValue]] {
        let rows: PostgreSQLRows
        do {
            rows = try connection.execute(Self.dollarPlaceholders(sql), parameters: parameters)
        } catch let error as PostgreSQLError {
            throw CachalotError.runtime(error.description)
        }
        do {
            return try rows.values.map { row in
                try zip(row, rows.types).map { value, type in try value.map { try decoder.decode($0, type: type) } ?? .none }
            }
        } catch let failure as PostgreSQLValueDecoder.Failure {
            throw CachalotError.runtime("a value Python cannot hold, as Django would fail on it: \(failure)")
        }
    }

    /// In a transaction on a writable session (Django's isolation_level
    /// applies), committed only if the statement succeeds. Before the
    /// commit, the server says which tables it wrote (its locks), and the
    /// relations the text names are listed again: DDL may have made one.
    public func write(_ sql: String, parameters: [String]) throws -> WriteOutcome {
        let writable = try Self.connect(settings, timeout: timeout, readOnly: false)
        do {
            try writable.execute("BEGIN" + isolationClause)
            let tables = try PostgreSQLWrittenTables(before: writable)
            let changed = try writable.execute(Self.dollarPlaceholders(sql), parameters: parameters).changed
            // Deferred constraint triggers would fire at COMMIT, after the
            // locks are read: fired now, their writes are seen too.
            try writable.execute("SET CONSTRAINTS ALL IMMEDIATE")
            let written = try tables.written(after: writable)
            let relations = try writable.execute(Self.relationsQuery(includingViews: true)).firstColumn
            try writable.execute("COMMIT")
            return WriteOutcome(changedRows: changed,
                                laterTables: (written.map(\.key) + RawSQLRules.tablesNamed(in: sql, among: relations)).uniqued(),
                                laterQualifiedTables: written.map(\.qualified).uniqued())
        } catch let error as PostgreSQLError {
            _ = try? writable.execute("ROLLBACK")
            throw CachalotError.runtime(error.description)
        }
    }

    /// OPTIONS isolation_level as psycopg's IsolationLevel (1–4) or its name.
    private var isolationClause: String {
        let levels = ["READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"]
        guard let given = settings.optionText("isolation_level")?.uppercased().escaping({ $0 == "_" ? " " : nil }) else { return "" }
        if let number = Int(given), (1...4).contains(number) { return " ISOLATION LEVEL " + levels[number - 1] }
        return levels.first { given.hasSuffix($0) }.map { " ISOLATION LEVEL " + $0 } ?? ""
    }

    /// The server's version (PQserverVersion: major × 10000) against what
    /// the site's Django supports.
    public func serverFacts() throws -> DatabaseFacts {
        let rows = try catalogue("SELECT extract(epoch FROM pg_catalog.clock_timestamp())::float8")
        let floor = settings.siteVersions.databaseFloor("postgresql")
        let version = connection.parameter("server_version") ?? String(connection.serverVersion)
        return DatabaseFacts(
            version: "PostgreSQL " + version,
            unsupported: connection.serverVersion / 10000 < floor.version[0]
                ? "\(floor.django) needs PostgreSQL \(floor.version[0]) or later" : nil,
            serverTime: rows.firstColumn.first.flatMap(Double.init))
    }

    /// DB-API placeholders as PostgreSQL's: `%s` (and psycopg's `%b`, `%t`)
    /// become `$1`, `$2`…, `%%` becomes `%`, as psycopg does for a query
    /// with parameters.
    static func dollarPlaceholders(_ sql: String) -> String {
        var result = ""
        var number = 0
        var index = sql.startIndex
        while index < sql.endIndex {
            let next = sql.index(after: index)
            if sql[index] == "%", next < sql.endIndex {
                switch sql[next] {
                case "s", "b", "t":
                    number += 1
                    result += "$\(number)"
                    index = sql.index(after: next)
                    continue
                case "%":
                    result.append("%")
                    index = sql.index(after: next)
                    continue
                default:
                    break
                }
            }
            result.append(sql[index])
            index = next
        }
        return result
    }
}
