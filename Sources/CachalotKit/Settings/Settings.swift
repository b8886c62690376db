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
    /// `APPS`: each app label to its app name (`auth` → `django.contrib.auth`),
    /// for suggesting a label to someone who typed the name.
    public var apps: [String: String] = [:]
    /// Settings that hold a password written as it is, not as ${VAR}.
    public var literalSecrets: [String] = []
    /// Django's USE_TZ (default True) and TIME_ZONE (default "America/Chicago"):
    /// they decide the session time zone and the tzinfo of database rows.
    public var useTZ = true
    public var timeZone = "America/Chicago"
    /// `VERSIONS`: what the site runs (optional).
    public var versions = SiteVersions()
    /// TENANT_MODEL and PUBLIC_SCHEMA_NAME, on a multi-tenant site.
    public var tenancy: Tenancy?

    /// Cache aliases in a stable order: "default" first, then by name.
    public var cacheAliases: [String] { Settings.ordered(caches.keys) }
    /// Database aliases in a stable order: "default" first, then by name.
    public var databaseAliases: [String] { Settings.ordered(databases.keys) }

    /// The databases whose queries the site caches: CACHALOT_DATABASES as
    /// django-cachalot's converter reads it (settings.py): a list as given;
    /// "supported_only" means every alias with
    /// CACHALOT_USE_UNSUPPORTED_DATABASE, else those whose ENGINE is a
    /// supported one or in CACHALOT_ADDITIONAL_SUPPORTED_DATABASES.
    public func cachesQueries(onDatabase alias: String) -> Bool {
        if let listed = cachalot.databases { return listed.contains(alias) }
        guard let database = databases[alias] else { return false }
        return cachalot.useUnsupportedDatabase || DatabaseEngine.byEngineName[database.engineName] != nil
            || cachalot.additionalSupportedDatabases.contains(database.engineName)
    }

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
    /// KEY_FUNCTION, with the template that reproduces it.
    public var keyFunction = KeyFunction.djangoDefault
    /// The tenant schema single-schema commands key under when the key
    /// function depends on one: PUBLIC_SCHEMA_NAME unless --schema names another.
    public var schema: String?
    public var options: [String: SettingsValue] = [:]
    /// Django's CACHE_HERD_TIMEOUT (django-redis's HerdClient), default 60.
    public var herdTimeout: Double = 60
    /// The Django settings django-redis and django-valkey read beside
    /// OPTIONS, those the settings file holds: django-valkey's compressor
    /// settings (CACHE_COMPRESS_MIN_LENGTH, CACHE_COMPRESS_LEVEL,
    /// COMPRESS_ZLIB_WBITS, COMPRESS_LZMA_*, COMPRESS_LZ4_*) and
    /// DJANGO_REDIS_CONNECTION_FACTORY / DJANGO_VALKEY_CONNECTION_FACTORY.
    public var clientSettings: [String: SettingsValue] = [:]
    /// CACHALOT_TIMEOUT written as a Python float (300.0): HerdClient's
    /// stamp (`timeout + int(time.time())`) is then a float, else an int.
    public var cachalotTimeoutIsFloat = false
    /// What the site runs: django-redis's pickle protocol follows its Python.
    public var siteVersions = SiteVersions()
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
    /// A tenant's search path (`query --schema`), set after connecting as
    /// the tenant packages set it; nil keeps the server's.
    public var searchPath: [String]?
    /// What the site runs: the MySQL charset and the servers its Django supports.
    public var siteVersions = SiteVersions()
    /// `DATABASES[alias]['TIME_ZONE']` (None when absent).
    public var timeZone: String?
    /// How Django sets up the connection's time zone (from USE_TZ, TIME_ZONE).
    public var clock = DatabaseClock.utc

    /// Where the database is, for messages: the SQLite file, or
    /// host:port/name for a server (never the password). OPTIONS fill in
    /// what HOST, PORT and NAME leave empty, as the client libraries do.
    public var address: String {
        guard engine != .sqlite else { return name }
        // MySQL through a socket (HOST a path, or OPTIONS unix_socket): no port.
        if engine == .mysql, let socket = self.host.hasPrefix("/") ? self.host : optionText("unix_socket") {
            return "\(socket)/\(optionText("database") ?? optionText("db") ?? name)"
        }
        let host = self.host.isEmpty ? optionText("host") ?? "local socket" : self.host
        let port = self.port.isEmpty ? optionText("port") ?? "" : self.port
        let name = optionText("dbname") ?? (self.name.isEmpty ? optionText("service").map { "service=" + $0 } ?? "" : self.name)
        return "\(host)\(port.isEmpty ? "" : ":" + port)/\(name)"
    }

    /// Everything that decides which relations a statement's names resolve
    /// to: the engine, server and database, the login (PostgreSQL's default
    /// search path starts with the user's schema), OPTIONS and a tenant's
    /// search path. Never shown; the password is left out.
    public var identity: String {
        let options = SettingsValue.table(options).canonicalText
        return [engineName, address, user, options, searchPath?.joined(separator: ",") ?? "-"].joined(separator: "\u{0}")
    }

    /// An OPTIONS entry as the text a client library would be given.
    public func optionText(_ key: String) -> String? {
        switch options[key] {
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        case .bool(let flag)?: return flag ? "True" : "False"
        case .double(let number)?: return PythonFloatRepr.repr(number)
        default: return nil
        }
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

/// The time zone Django gives a database connection and the tzinfo it puts
/// on aware datetimes read from it (django/db/backends/base/base.py
/// `timezone` and `timezone_name`).
public struct DatabaseClock: Sendable, Equatable {
    /// The session time zone Django sets (`timezone_name`).
    public var sessionZone: String
    /// The tzinfo of datetimes read: nil for naive (USE_TZ False), "UTC"
    /// for `datetime.timezone.utc`, else a `zoneinfo.ZoneInfo` key.
    public var rowZone: RowZone

    public enum RowZone: Sendable, Equatable {
        case naive
        case utc
        case zoneInfo(String)
    }

    public static let utc = DatabaseClock(sessionZone: "UTC", rowZone: .utc)

    /// USE_TZ False: naive times in TIME_ZONE; True: UTC unless the
    /// database has its own TIME_ZONE, then a ZoneInfo even for "UTC".
    public init(useTZ: Bool, timeZone: String, databaseTimeZone: String?) {
        if !useTZ {
            self.init(sessionZone: timeZone, rowZone: .naive)
        } else if let zone = databaseTimeZone {
            self.init(sessionZone: zone, rowZone: .zoneInfo(zone))
        } else {
            self = .utc
        }
    }

    public init(sessionZone: String, rowZone: RowZone) {
        self.sessionZone = sessionZone
        self.rowZone = rowZone
    }
}
