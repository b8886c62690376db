/// Errors that several parts of cachalot raise, written once, with the
/// advice that goes with them. Backends report what happened (a server said
/// OOM); the words and the advice about settings live here and in doctor.
extension CachalotError {
    /// locmem and dummy caches exist only inside each Django process.
    public static func livesInsideDjango(_ cache: CacheSettings) -> CachalotError {
        .usage("cache '\(cache.alias)' uses \(cache.backend.rawValue), which lives inside each Django process; no other program can read or write it",
               hint: "invalidate it from Django itself (python manage.py invalidate_cachalot -c \(cache.alias)) or restart the Django processes; for django-cachalot use a shared cache (Redis, memcached, file-based)")
    }

    /// Why a cache that lives inside Django is skipped when no -c names it.
    public static func skipReason(_ cache: CacheSettings) -> String {
        "\(cache.backend.shortName) cache lives inside each Django process"
    }

    public static func unknownCacheAlias(_ alias: String, in settings: Settings) -> CachalotError {
        .usage("unknown cache alias \(quoted(alias))\(Suggestion.phrase(for: alias, in: settings.cacheAliases)); aliases in \(settings.path): \(settings.cacheAliases.joined(separator: ", "))")
    }

    public static func unknownDatabaseAlias(_ alias: String, in settings: Settings) -> CachalotError {
        .usage("unknown database alias \(quoted(alias))\(Suggestion.phrase(for: alias, in: settings.databaseAliases)); aliases in \(settings.path): \(settings.databaseAliases.joined(separator: ", "))")
    }

    /// A cache server refused a write for lack of memory.
    public static func outOfMemory(serverSaid message: String) -> CachalotError {
        .runtime("the server is out of memory (\(message)); with maxmemory set and a policy that cannot evict persistent keys, django-cachalot's table keys fill it up",
                 hint: "set CACHALOT_TIMEOUT so that cachalot's keys expire, or use an allkeys-* maxmemory-policy (cachalot doctor checks this)")
    }

    public static func authenticationFailed(serverSaid message: String) -> CachalotError {
        .runtime("authentication failed: \(message)", hint: "check the user name and password in LOCATION or OPTIONS")
    }

    public static func authenticationRequired(serverSaid message: String) -> CachalotError {
        .runtime("the server requires authentication and no password is set (\(message))",
                 hint: "give the password in LOCATION (redis://:PASSWORD@host) or OPTIONS, preferably as ${VAR}")
    }
}
