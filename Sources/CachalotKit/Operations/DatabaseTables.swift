/// The tables of one database that a command acts on, after labels are
/// resolved; the label check that runs before anything is written.
public struct DatabaseTables {
    public var database: DatabaseSettings
    public var catalog: Catalog
    public var tables: [String]
    public var modelCount: Int
    /// The open database, when resolving needed one (MODELS may answer alone).
    public var connection: Database?

    /// Opens every database whose labels MODELS cannot answer and resolves
    /// the labels in each; `modelNames` false: without labels, only the
    /// table list is read (no model labels for the tables). A database that cannot be read is returned in
    /// `failures`; a label that no readable database knows is a usage
    /// error, raised before any write. `notices` says what the user should
    /// know: stale content types (warnings), tables taken from MODELS only.
    public static func resolve(labels: [String], databases: [DatabaseSettings], settings: Settings,
                               includingAutoCreated: Bool, modelNames: Bool = true, backends: Backends,
                               exactTables: [String]? = nil)
        throws -> (resolved: [DatabaseTables], failures: [TargetFailure], notices: [Notice]) {
        var resolved: [DatabaseTables] = []
        var failures: [TargetFailure] = []
        var notices: [Notice] = []
        var unknown = Set(labels)
        var catalogs: [Catalog] = []
        for database in databases {
            let catalog: Catalog
            let connection: Database?
            do {
                (catalog, connection) = try Catalog.load(settings: settings, alias: database.alias,
                                                         labels: exactTables == nil ? labels : nil, modelNames: modelNames,
                                                         open: { try backends.openDatabase(database) })
            } catch let error as CachalotError where error.exitCode == .usage {
                throw error
            } catch {
                failures.append(TargetFailure(.database(database.alias, at: database.address), error))
                continue
            }
            catalogs.append(catalog)
            var tables: [String] = []
            var models = 0
            for label in labels {
                guard let match = try catalog.resolve(label, includingAutoCreated: includingAutoCreated) else { continue }
                unknown.remove(label)
                tables += match.tables
                models += match.modelCount
                notices += match.warnings.map(Notice.warning)
            }
            if let exactTables {
                tables = exactTables
            } else if labels.isEmpty {
                tables = catalog.tables
            }
            resolved.append(DatabaseTables(database: database, catalog: catalog, tables: tables.uniqued(),
                                           modelCount: models, connection: connection))
        }
        if labels.isEmpty, exactTables == nil {
            notices += addUnlistedModelTables(&resolved)
        }
        if let label = labels.first(where: unknown.contains), !resolved.isEmpty, exactTables == nil {
            let where_ = resolved.map { "'\($0.database.alias)'" }.joined(separator: ", ")
            throw CachalotError.usage(
                "unknown label \(quoted(label)): not an app label, app_label.ModelName or table of database \(where_)\(LabelSuggestion.phrase(for: label, catalogs: catalogs, appNames: settings.apps))",
                hint: "labels are app labels (auth), models (auth.User) or table names (auth_user); nothing was written")
        }
        return (resolved, failures, notices)
    }

    /// Adds to each database the MODELS tables its introspection does not
    /// list (Django keys them literally), but for those another database
    /// lists: MODELS holds every database's models.
    private static func addUnlistedModelTables(_ resolved: inout [DatabaseTables]) -> [Notice] {
        var notices: [Notice] = []
        for index in resolved.indices {
            let elsewhere = Set(resolved.indices.filter { $0 != index }.flatMap { resolved[$0].catalog.tables })
            let unlisted = resolved[index].catalog.unlistedModelTables.filter { !elsewhere.contains($0) }
            guard !unlisted.isEmpty else { continue }
            resolved[index].tables = (resolved[index].tables + unlisted).uniqued()
            notices.append(.detail("database '\(resolved[index].database.alias)': also \(TextFormatting.counted(unlisted.count, "table")) from MODELS that introspection does not list, keyed as Django keys them: \(unlisted.joined(separator: ", "))"))
        }
        return notices
    }

    /// The table keys of every table, in order.
    public var tableKeys: [TableKey] { tables.map { TableKey(databaseAlias: database.alias, table: $0) } }
}

/// Something a command tells the user besides its result: a warning always
/// (stderr), a detail at -v 2 and above.
public enum Notice: Equatable, Sendable {
    case warning(String)
    case detail(String)
}
