/// Everything cachalot knows about a Django site: the typed mirror of its
/// `CACHES`, `DATABASES`, `CACHALOT_*` settings and model → table map.
public struct Settings: Sendable {
    /// The file the settings were read from, for messages.
    public var path: String
    public var cachalot: CachalotSettings
    public var caches: [String: CacheSettings]
    public var databases: [String: DatabaseSettings]
    /// `MODELS`: "app_label.ModelName" → db_table, auto-created M2M models included.
    public var models: [String: String]?
    /// Settings that hold a password written as it is, not as ${VAR}.
    public var literalSecrets: [String] = []

    /// Cache aliases in a stable order: "default" first, then by name.
    public var cacheAliases: [String] { Settings.ordered(caches.keys) }
    /// Database aliases in a stable order: "default" first, then by name.
    public var databaseAliases: [String] { Settings.ordered(databases.keys) }

    static func ordered<S: Sequence>(_ aliases: S) -> [String] where S.Element == String {
        aliases.sorted { a, b in
            if a == "default" || b == "default" { return a == "default" && b != "default" }
            return a < b
        }
    }
}

/// django-cachalot's own settings, with its defaults (cachalot/settings.py).
public struct CachalotSettings: Sendable, Equatable {
    public var enabled = true
    public var cache = "default"
    /// nil means "supported_only".
    public var databases: [String]?
    public var useUnsupportedDatabase = false
    public var additionalSupportedDatabases: [String] = []
    /// nil means None: table keys never expire.
    public var timeout: Double?
    public var cacheRandom = false
    public var cacheIterators = true
    public var invalidateRaw = true
    public var onlyCachableTables: [String] = []
    public var onlyCachableApps: [String] = []
    public var uncachableTables: [String] = ["django_migrations"]
    public var uncachableApps: [String] = []
    public var additionalTables: [String] = []
    public var finalSQLCheck = false

    public init() {}
}

/// One entry of `CACHES`.
public struct CacheSettings: Sendable, Equatable {
    public var alias: String
    public var backend: CacheBackend
    /// LOCATION split into its servers (Redis, memcached) or one directory.
    public var locations: [String]
    public var keyPrefix = ""
    public var version = 1
    public var options: [String: SettingsValue] = [:]
}

/// One entry of `DATABASES`.
public struct DatabaseSettings: Sendable, Equatable {
    public var alias: String
    public var engine: DatabaseEngine
    /// ENGINE as written, for messages.
    public var engineName: String
    public var name: String
    public var host = ""
    public var port = ""
    public var user = ""
    public var password = ""
    public var options: [String: SettingsValue] = [:]

    /// Where the database is, for messages: the SQLite file, or
    /// host:port/name for a server (never the password).
    public var address: String {
        guard engine != .sqlite else { return name }
        return "\(host.isEmpty ? "localhost" : host)\(port.isEmpty ? "" : ":" + port)/\(name)"
    }
}

extension Settings {
    /// The cache with this alias, or a usage error listing the aliases.
    public func cache(_ alias: String) throws -> CacheSettings {
        guard let cache = caches[alias] else { throw CachalotError.unknownCacheAlias(alias, in: self) }
        return cache
    }

    /// The database with this alias, or a usage error listing the aliases.
    public func database(_ alias: String) throws -> DatabaseSettings {
        guard let database = databases[alias] else { throw CachalotError.unknownDatabaseAlias(alias, in: self) }
        return database
    }
}
