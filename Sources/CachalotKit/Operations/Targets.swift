/// What the user named on the command line: labels, and optionally one
/// cache alias and one database alias.
public struct Selection: Sendable {
    public var labels: [String]
    public var cacheAlias: String?
    public var databaseAlias: String?
    /// --schema: the tenant schemas to act in, on a cache whose key
    /// function keys by schema; nil is every schema of the site.
    public var schemas: [String]?

    public init(labels: [String] = [], cacheAlias: String? = nil, databaseAlias: String? = nil, schemas: [String]? = nil) {
        self.labels = labels
        self.cacheAlias = cacheAlias
        self.databaseAlias = databaseAlias
        self.schemas = schemas
    }
}

/// A cache left out of a run, and why.
public struct SkippedCache: Equatable, Sendable {
    public var alias: String
    public var reason: String
}

/// Which caches and databases a command acts on: one alias when named with
/// -c / -d, else all of them, as django-cachalot's API does.
public struct Targets {
    public var caches: [CacheSettings]
    /// Caches left out because they live inside Django processes.
    public var skippedCaches: [SkippedCache]
    public var databases: [DatabaseSettings]

    public init(settings: Settings, selection: Selection) throws {
        if let alias = selection.cacheAlias {
            let cache = try settings.cache(alias)
            guard !cache.backend.livesInsideDjango else { throw CachalotError.livesInsideDjango(cache) }
            caches = [cache]
            skippedCaches = []
        } else {
            let all = settings.cacheAliases.compactMap { settings.caches[$0] }
            caches = all.filter { !$0.backend.livesInsideDjango }
            skippedCaches = all.filter(\.backend.livesInsideDjango).map {
                SkippedCache(alias: $0.alias, reason: CachalotError.skipReason($0))
            }
        }
        if let alias = selection.databaseAlias {
            databases = [try settings.database(alias)]
        } else {
            databases = settings.databaseAliases.compactMap { settings.databases[$0] }
        }
    }

    /// For the commands that read one schema (stats, watch): the caches
    /// keyed by schema read in `schema` (--schema), checked against the
    /// site's schemas, instead of the public one.
    public mutating func readIn(schema: String?, settings: Settings, backends: Backends) throws {
        guard let schema else { return }
        let selection = Selection(schemas: [schema])
        guard try TenantSchemas.selected(selection, caches: caches, settings: settings, backends: backends) != nil else { return }
        for index in caches.indices where caches[index].keyFunction.template.usesSchema {
            caches[index].schema = schema
        }
    }
}
