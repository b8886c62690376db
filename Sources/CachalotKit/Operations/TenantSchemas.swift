/// The schemas of a multi-tenant site, each of which keys its cache
/// entries under its own name: the public schema (every process outside a
/// tenant's context keys there), django-pgschemas' static tenants, and the
/// `schema_name` of every row of the tenant model's table, read from the
/// tenants' database.
public enum TenantSchemas {
    public static func all(_ settings: Settings, tenancy: Tenancy, backends: Backends) throws -> [String] {
        var found = tenancy.staticSchemas
        if let model = tenancy.tenantModel {
            found += try dynamic(settings, tenancy: tenancy, model: model, backends: backends)
        }
        return [tenancy.publicSchema] + Set(found).subtracting([tenancy.publicSchema]).sorted()
    }

    private static func dynamic(_ settings: Settings, tenancy: Tenancy, model: String, backends: Backends) throws -> [String] {
        guard let table = settings.models?[model] else {
            throw CachalotError.usage("tenant model \(quoted(model)) is not in MODELS", hint: "run cachalot init again")
        }
        let alias = tenancy.databaseAlias
        guard let database = settings.databases[alias] else {
            throw CachalotError.usage("the site keeps its tenants on the database \(quoted(alias)), which the settings do not name")
        }
        guard database.engine == .postgresql else {
            throw CachalotError.usage("database \(quoted(alias)) is \(database.engineName): tenant schemas live on PostgreSQL")
        }
        // As Django quotes a db_table: one already in double quotes is taken as it is.
        let qualified = table.hasPrefix("\"") && table.hasSuffix("\"") && table.count > 1 ? table
            : "\(identifier(tenancy.publicSchema)).\(identifier(table))"
        let sql = "SELECT schema_name FROM \(qualified)"
        let rows: [[PickleValue]]
        do {
            rows = try backends.openDatabase(database).read(sql, parameters: [])
        } catch let error as CachalotError where error.exitCode != .usage {
            throw CachalotError.runtime("database \(quoted(alias)) (\(database.address)): reading the tenants (\(sql)): \(error.message)")
        }
        return rows.compactMap { row -> String? in
            if case .string(let name)? = row.first { return name }
            return nil
        }
    }

    /// The schemas a command acts in on the caches keyed by schema: those
    /// named with --schema, else every one; nil when no cache is keyed by
    /// schema (and --schema is then a usage error).
    public static func selected(_ selection: Selection, caches: [CacheSettings], settings: Settings,
                                backends: Backends) throws -> [String]? {
        guard caches.contains(where: { $0.keyFunction.template.usesSchema }), let tenancy = settings.tenancy else {
            if selection.schemas != nil {
                throw CachalotError.usage("--schema applies to a cache whose KEY_FUNCTION keys by tenant schema (django-tenants, django-pgschemas), and no cache here does")
            }
            return nil
        }
        return try select(selection.schemas, known: try all(settings, tenancy: tenancy, backends: backends))
    }

    /// The schemas named with --schema, each checked against `known`; nil
    /// (none named) is every known schema.
    public static func select(_ named: [String]?, known: [String]) throws -> [String] {
        guard let named, !named.isEmpty else { return known }
        for name in named where !known.contains(name) {
            let shown = known.prefix(20).joined(separator: ", ") + (known.count > 20 ? ", … (\(known.count) in all)" : "")
            throw CachalotError.usage("unknown schema \(quoted(name))\(Suggestion.phrase(for: name, in: known)); the site's schemas: \(shown)",
                                      hint: "schemas are the public one, static tenants and the schema_name of each tenant; nothing was written")
        }
        return named.uniqued()
    }

    /// Without labels, "every table" of a tenant site is every table some
    /// schema's search path sees: those only a tenant schema holds (made
    /// by a migration's SQL, no model) are added to the tenants' database
    /// from every schema of the server but the system's, a superset that
    /// costs a few unread keys. A database that cannot be read joins
    /// `failures`.
    static func addTablesOfEverySchema(_ resolved: inout [DatabaseTables], tenancy: Tenancy,
                                       failures: inout [TargetFailure]) -> [Notice] {
        guard let index = resolved.firstIndex(where: { $0.database.alias == tenancy.databaseAlias }),
              let connection = resolved[index].connection else { return [] }
        let database = resolved[index].database
        let sql = """
            SELECT DISTINCT c.relname FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('f', 'p', 'r') AND NOT c.relispartition
              AND n.nspname <> 'information_schema' AND left(n.nspname, 3) <> 'pg_'
            """
        let found: [String]
        do {
            found = try connection.read(sql, parameters: []).compactMap { row in
                if case .string(let name)? = row.first { return name }
                return nil
            }
        } catch {
            failures.append(TargetFailure(.database(database.alias, at: database.address), error))
            resolved.remove(at: index)
            return []
        }
        let added = Set(found).subtracting(resolved[index].tables).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard !added.isEmpty else { return [] }
        resolved[index].tables += added
        return [.detail("database '\(database.alias)': also \(TextFormatting.counted(added.count, "table")) only tenant schemas hold: \(added.joined(separator: ", "))")]
    }

    private static func identifier(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
