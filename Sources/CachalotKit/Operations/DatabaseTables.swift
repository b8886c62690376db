/// The tables of one database that a command acts on, after labels are
/// resolved; the label check that runs before anything is written.
public struct DatabaseTables {
    public var database: DatabaseSettings
    public var catalog: Catalog
    public var tables: [String]
    public var modelCount: Int

    /// Opens every database and resolves the labels in each. A database
    /// that cannot be read is returned in `failures`; a label that no
    /// readable database knows is a usage error, raised before any write.
    public static func resolve(labels: [String], databases: [DatabaseSettings], settings: Settings,
                               includingAutoCreated: Bool, backends: Backends, exactTables: [String]? = nil)
        throws -> (resolved: [DatabaseTables], failures: [TargetFailure]) {
        var resolved: [DatabaseTables] = []
        var failures: [TargetFailure] = []
        var unknown = Set(labels)
        var candidates: [String] = []
        for database in databases {
            let catalog: Catalog
            do {
                catalog = try Catalog.load(settings: settings, database: try backends.openDatabase(database))
            } catch let error as CachalotError where error.exitCode == .usage {
                throw error
            } catch {
                failures.append(TargetFailure(.database(database.alias, at: database.address), error))
                continue
            }
            candidates += catalog.labelCandidates
            var tables: [String] = []
            var models = 0
            for label in labels {
                guard let match = try catalog.resolve(label, includingAutoCreated: includingAutoCreated) else { continue }
                unknown.remove(label)
                tables += match.tables
                models += match.modelCount
            }
            if let exactTables {
                tables = exactTables
            } else if labels.isEmpty {
                tables = catalog.tables
            }
            resolved.append(DatabaseTables(database: database, catalog: catalog, tables: tables.uniqued(), modelCount: models))
        }
        if let label = labels.first(where: unknown.contains), !resolved.isEmpty {
            let where_ = resolved.map { "'\($0.database.alias)'" }.joined(separator: ", ")
            throw CachalotError.usage(
                "unknown label \(quoted(label)): not an app label, app_label.ModelName or table of database \(where_)\(Suggestion.phrase(for: label, in: candidates))",
                hint: "labels are app labels (auth), models (auth.User) or table names (auth_user); nothing was written")
        }
        return (resolved, failures)
    }

    /// The table keys of every table, in order.
    public var tableKeys: [TableKey] { tables.map { TableKey(databaseAlias: database.alias, table: $0) } }
}
