/// What the user named on the command line: labels, and optionally one
/// cache alias and one database alias.
public struct Selection: Sendable {
    public var labels: [String]
    public var cacheAlias: String?
    public var databaseAlias: String?

    public init(labels: [String] = [], cacheAlias: String? = nil, databaseAlias: String? = nil) {
        self.labels = labels
        self.cacheAlias = cacheAlias
        self.databaseAlias = databaseAlias
    }
}

/// Which caches and databases a command acts on: one alias when named with
/// -c / -d, else all of them, as django-cachalot's API does.
public struct Targets {
    public var caches: [CacheSettings]
    /// Caches left out because they live inside Django processes, with why.
    public var skippedCaches: [(alias: String, reason: String)]
    public var databases: [DatabaseSettings]

    public init(settings: Settings, selection: Selection) throws {
        let cacheAlias = selection.cacheAlias, databaseAlias = selection.databaseAlias
        if let alias = cacheAlias {
            guard let cache = settings.caches[alias] else {
                throw CachalotError.usage("unknown cache alias '\(alias)'\(Suggestion.phrase(for: alias, in: settings.cacheAliases)); aliases in \(settings.path): \(settings.cacheAliases.joined(separator: ", "))")
            }
            _ = try Self.checkReachable(cache)
            caches = [cache]
            skippedCaches = []
        } else {
            let all = settings.cacheAliases.compactMap { settings.caches[$0] }
            caches = all.filter { !$0.backend.livesInsideDjango }
            skippedCaches = all.filter(\.backend.livesInsideDjango).map {
                ($0.alias, "\($0.backend.shortName) cache lives inside each Django process")
            }
        }
        if let alias = databaseAlias {
            guard let database = settings.databases[alias] else {
                throw CachalotError.usage("unknown database alias '\(alias)'\(Suggestion.phrase(for: alias, in: settings.databaseAliases)); aliases in \(settings.path): \(settings.databaseAliases.joined(separator: ", "))")
            }
            databases = [database]
        } else {
            databases = settings.databaseAliases.compactMap { settings.databases[$0] }
        }
    }

    private static func checkReachable(_ cache: CacheSettings) throws -> CacheSettings {
        guard cache.backend.livesInsideDjango else { return cache }
        throw CachalotError.usage(
            "cache '\(cache.alias)' uses \(cache.backend.rawValue), which lives inside each Django process; no other program can read or write it",
            hint: "invalidate it from Django itself (python manage.py invalidate_cachalot -c \(cache.alias)) or restart the Django processes")
    }
}
