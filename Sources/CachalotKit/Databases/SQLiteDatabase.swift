/// A Django SQLite database (sqlite3, spatialite and wrapper engines),
/// opened read-only: cachalot never writes to it for invalidation.
public struct SQLiteDatabase: Database {
    public let settings: DatabaseSettings
    private let connection: SQLiteConnection

    public init(settings: DatabaseSettings) throws {
        self.settings = settings
        do {
            connection = try SQLiteConnection(readOnlyPath: settings.name)
        } catch {
            throw CachalotError.runtime("database '\(settings.alias)': \(error)")
        }
    }

    /// Django's SQLite introspection: `sqlite_master` rows of type 'table'
    /// except `sqlite_sequence`, ordered by name.
    public func tableNames() throws -> [String] {
        try query("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence' ORDER BY name")
            .compactMap { $0.first ?? nil }
    }

    public func contentTypes() throws -> [ContentType]? {
        let exists = try query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_content_type'")
        guard !exists.isEmpty else { return nil }
        return try query("SELECT app_label, model FROM django_content_type ORDER BY app_label, model").compactMap { row in
            guard row.count == 2, let app = row[0], let model = row[1] else { return nil }
            return ContentType(appLabel: app, model: model)
        }
    }

    private func query(_ sql: String) throws -> [[String?]] {
        do {
            return try connection.rows(sql)
        } catch {
            throw CachalotError.runtime("database '\(settings.alias)' (\(settings.name)): \(error)")
        }
    }
}
