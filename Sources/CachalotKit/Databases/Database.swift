/// What cachalot needs from a database: Django's introspection of table
/// names, and the content types that map app labels to tables when the
/// settings carry no MODELS.
public protocol Database {
    var settings: DatabaseSettings { get }

    /// `connection.introspection.table_names()`: base tables, sorted by name.
    func tableNames() throws -> [String]

    /// Rows of `django_content_type` (called only when `tableNames` lists it).
    func contentTypes() throws -> [ContentType]

    /// Prepares `sql` without running it: tables read and written, columns.
    func analyze(_ sql: String) throws -> StatementAnalysis

    /// Runs a read statement with its parameters bound by the database.
    func read(_ sql: String, parameters: [SQLValue]) throws -> [[SQLValue]]

    /// Runs a statement that changes data in a transaction on a writable
    /// connection; a failure rolls back. Returns the rows changed.
    func write(_ sql: String, parameters: [SQLValue]) throws -> Int
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
    public static func open(_ database: DatabaseSettings) throws -> Database {
        switch database.engine {
        case .sqlite:
            return try SQLiteDatabase(settings: database)
        case .postgresql, .mysql:
            throw CachalotError.runtime(
                "database '\(database.alias)': \(database.engineName) is not built yet in this version of cachalot",
                hint: "supported now: SQLite engines")
        }
    }
}
