/// What cachalot needs from a database: Django's introspection of table
/// names, the content types that map app labels to tables when the
/// settings carry no MODELS, and what `query` and `doctor` ask. SQL comes
/// with DB-API `%s` placeholders, as Django writes it; parameters are the
/// text of Python's `str(p)`, bound by the engine (never spliced).
public protocol Database {
    var settings: DatabaseSettings { get }

    /// `connection.introspection.table_names(include_views=…)`: base
    /// tables, sorted by name; with views, every relation a model can sit
    /// on (views, materialized views, partitions) as well.
    func tableNames(includingViews: Bool) throws -> [String]

    /// Rows of `django_content_type` (called only when `tableNames` lists it).
    func contentTypes() throws -> [ContentType]

    /// What `sql` reads and writes, its columns and placeholders, without
    /// changing anything. An engine whose planner needs values uses
    /// `parameters` when their count matches the placeholders.
    func analyze(_ sql: String, parameters: [String]) throws -> StatementAnalysis

    /// Runs a read statement; rows hold the values Django's driver returns
    /// for this engine (what django-cachalot caches).
    func read(_ sql: String, parameters: [String]) throws -> [[PickleValue]]

    /// Runs a statement that changes data in a transaction on a writable
    /// connection; a failure rolls back.
    func write(_ sql: String, parameters: [String]) throws -> WriteOutcome

    /// The server's version and clock, for doctor.
    func serverFacts() throws -> DatabaseFacts
}

/// What a statement does, found before it runs: the tables it reads and
/// writes (never fewer than it really reads: views and partitions bring
/// their base tables), its result columns, its placeholders, and whether
/// it only reads.
public struct StatementAnalysis: Equatable, Sendable {
    public var readTables: [String]
    public var writtenTables: [String]
    public var columns: [String]
    public var isReadOnly: Bool
    public var parameterCount: Int
    /// "schema.table" of every relation read and written, where the engine
    /// has schemas (PostgreSQL): a schema-qualified db_table in MODELS is
    /// matched against these.
    public var qualifiedReadTables: [String] = []
    public var qualifiedWrittenTables: [String] = []
    /// False when the engine could not work out the tables (a plan that
    /// failed): the statement is then run, never cached.
    public var tablesCertain = true
    /// Why the engine says the statement must never be cached: it calls a
    /// function (PostgreSQL) or stored function (MySQL) that may read tables
    /// the plan does not show.
    public var uncachableReason: String?
    /// True when what it reads is more than a fixed set of tables, though
    /// `readTables` names only tables: a view (SQLite reports its base
    /// tables), a temporary table, a partitioned or inheritance parent
    /// (PostgreSQL: which children it reads can change without a word
    /// about the parent). `query` never remembers such an analysis
    /// (RememberedAnalysis).
    public var readsBeyondTables = false
}

/// What a committed write did.
public struct WriteOutcome: Equatable, Sendable {
    public var changedRows: Int
    /// Tables found only once the statement ran (a table it created),
    /// added to what the analysis named.
    public var laterTables: [String]
    /// "schema.table" of those, where the engine has schemas (PostgreSQL),
    /// matched against MODELS as StatementAnalysis.qualifiedWrittenTables is.
    public var laterQualifiedTables: [String]

    public init(changedRows: Int, laterTables: [String] = [], laterQualifiedTables: [String] = []) {
        self.changedRows = changedRows
        self.laterTables = laterTables
        self.laterQualifiedTables = laterQualifiedTables
    }
}

/// What doctor reports about a database server.
public struct DatabaseFacts: Sendable {
    /// The server's version as it names it ("15.18", "3.45.1").
    public var version: String
    /// Why Django would refuse this version, if it would.
    public var unsupported: String?
    /// The server's clock (seconds since the epoch), when it has one of its own.
    public var serverTime: Double?

    public init(version: String, unsupported: String? = nil, serverTime: Double? = nil) {
        self.version = version
        self.unsupported = unsupported
        self.serverTime = serverTime
    }
}

extension Database {
    /// `connection.introspection.table_names()`: what Django's no-label
    /// `invalidate()` invalidates.
    public func tableNames() throws -> [String] { try tableNames(includingViews: false) }
}

/// One row of Django's `django_content_type`.
public struct ContentType: Equatable, Sendable {
    public var appLabel: String
    public var model: String

    public init(appLabel: String, model: String) {
        self.appLabel = appLabel
        self.model = model
    }
}

/// Opens the `Database` for an alias: the one place that maps an ENGINE to
/// the file that implements it.
public enum DatabaseFactory {
    /// Seconds a database server gets to connect and to answer each
    /// statement when --timeout is not given.
    public static let defaultTimeout = 5.0

    /// `timeout` bounds connecting and each statement on a server (default
    /// `defaultTimeout`); SQLite files need none.
    public static func open(_ database: DatabaseSettings, timeout: Double? = nil) throws -> Database {
        switch database.engine {
        case .sqlite:
            return try SQLiteDatabase(settings: database)
        case .postgresql:
            return try PostgreSQLDatabase(settings: database, timeout: timeout ?? defaultTimeout)
        case .mysql:
            return try MySQLDatabase(settings: database, timeout: timeout ?? defaultTimeout)
        }
    }
}
