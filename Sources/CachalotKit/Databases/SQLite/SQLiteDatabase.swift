import CSQLite

/// A Django SQLite database (sqlite3, spatialite and wrapper engines),
/// opened read-only: cachalot never writes to it for invalidation.
public struct SQLiteDatabase: Database {
    public let settings: DatabaseSettings
    private let connection: SQLiteConnection

    public init(settings: DatabaseSettings) throws {
        self.settings = settings
        do {
            connection = try SQLiteConnection(path: settings.name)
        } catch {
            throw CachalotError.runtime("database '\(settings.alias)': \(error)")
        }
    }

    /// Django's SQLite introspection: `sqlite_master` rows of type 'table'
    /// (and 'view') except `sqlite_sequence`, ordered by name.
    public func tableNames(includingViews: Bool) throws -> [String] {
        let types = includingViews ? "('table', 'view')" : "('table')"
        return try query("SELECT name FROM sqlite_master WHERE type IN \(types) AND name != 'sqlite_sequence' ORDER BY name")
            .compactMap { $0.first ?? nil }
    }

    public func contentTypes() throws -> [ContentType] {
        try query("SELECT app_label, model FROM django_content_type ORDER BY app_label, model").compactMap { row in
            guard row.count == 2, let app = row[0], let model = row[1] else { return nil }
            return ContentType(appLabel: app, model: model)
        }
    }

    /// The authorizer also reports a view's own columns as reads: only base
    /// tables are kept, since only they have cachalot table keys.
    public func analyze(_ sql: String, parameters: [String]) throws -> StatementAnalysis {
        var analysis = try wrapped { try connection.analyze(Self.qmark(sql)) }
        let tables = Set(try tableNames())
        let kept = analysis.readTables.filter(tables.contains)
        analysis.readsBeyondTables = kept.count != analysis.readTables.count
        analysis.readTables = kept
        return analysis
    }

    /// Django opens SQLite with `detect_types=PARSE_DECLTYPES |
    /// PARSE_COLNAMES` unless OPTIONS overrides it (DatabaseWrapper.
    /// get_connection_params): only Django's own value is reproduced.
    public func read(_ sql: String, parameters: [String]) throws -> [[PickleValue]] {
        if let detectTypes = settings.options["detect_types"], detectTypes != .int(3) {
            throw CachalotError.usage("database '\(settings.alias)': OPTIONS detect_types is \(Self.shown(detectTypes)), and cachalot reads rows "
                + "only as Django's default 3 (PARSE_DECLTYPES | PARSE_COLNAMES) gives them; nothing was run")
        }
        return try wrapped { try connection.read(Self.qmark(sql), parameters: parameters.map(Self.bind), python: settings.siteVersions.python) }
    }

    private static func shown(_ value: SettingsValue) -> String {
        if case .int(let number) = value { return String(number) }
        return value.kindDescription
    }

    /// Canonical integers ("5", "-12") are bound as integers, as Django
    /// passes ints; anything else as text.
    static func bind(_ text: String) -> SQLValue {
        if let number = Int(text), String(number) == text { return .integer(number) }
        return .text(text)
    }

    /// SQLite lives in this process: its version, and no clock of its own.
    public func serverFacts() throws -> DatabaseFacts {
        DatabaseFacts(version: "SQLite " + String(cString: sqlite3_libversion()))
    }

    /// Django's SQLite backend turns DB-API `%s` placeholders into `?` and
    /// `%%` into `%` (SQLiteCursorWrapper.convert_query); so does this.
    static func qmark(_ sql: String) -> String {
        var result = ""
        var index = sql.startIndex
        while index < sql.endIndex {
            let next = sql.index(after: index)
            if sql[index] == "%", next < sql.endIndex, sql[next] == "s" || sql[next] == "%" {
                result.append(sql[next] == "s" ? "?" : "%")
                index = sql.index(after: next)
            } else {
                result.append(sql[index])
                index = next
            }
        }
        return result
    }

    /// The authorizer names created tables already: nothing to add later.
    public func write(_ sql: String, parameters: [String]) throws -> WriteOutcome {
        try wrapped {
            let writable = try SQLiteConnection(path: settings.name, writable: true)
            try writable.execute("BEGIN IMMEDIATE")
            do {
                _ = try writable.run(Self.qmark(sql), parameters: parameters.map(Self.bind))
                let changed = writable.changes
                try writable.execute("COMMIT")
                return WriteOutcome(changedRows: changed)
            } catch {
                try? writable.execute("ROLLBACK")
                throw error
            }
        }
    }

    private func wrapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as SQLiteConnection.Failure where failure.code == SQLITE_MISUSE || failure.code == SQLITE_RANGE {
            throw CachalotError.usage("\(failure.message): \(failure.sql ?? "")")
        } catch let refusal as SQLiteConverter.Refusal {
            throw CachalotError.usage("database '\(settings.alias)': \(refusal.description)")
        } catch {
            throw CachalotError.runtime("database '\(settings.alias)' (\(settings.name)): \(error)")
        }
    }

    private func query(_ sql: String) throws -> [[String?]] {
        do {
            return try connection.textRows(sql)
        } catch {
            throw CachalotError.runtime("database '\(settings.alias)' (\(settings.name)): \(error)")
        }
    }
}
