/// Turns a settings document into typed `Settings`, applying Django's and
/// django-cachalot's defaults and refusing what cachalot cannot honour.
public enum SettingsLoader {
    static let cachalotKeys = [
        "CACHALOT_ENABLED", "CACHALOT_CACHE", "CACHALOT_DATABASES", "CACHALOT_TIMEOUT",
        "CACHALOT_CACHE_RANDOM", "CACHALOT_CACHE_ITERATORS", "CACHALOT_INVALIDATE_RAW",
        "CACHALOT_ONLY_CACHABLE_TABLES", "CACHALOT_ONLY_CACHABLE_APPS",
        "CACHALOT_UNCACHABLE_TABLES", "CACHALOT_UNCACHABLE_APPS", "CACHALOT_ADDITIONAL_TABLES",
        "CACHALOT_QUERY_KEYGEN", "CACHALOT_TABLE_KEYGEN", "CACHALOT_FINAL_SQL_CHECK",
        "CACHALOT_USE_UNSUPPORTED_DATABASE", "CACHALOT_ADDITIONAL_SUPPORTED_DATABASES",
    ]
    static let topLevelKeys = ["CACHES", "DATABASES", "MODELS", "APPS", "USE_TZ", "TIME_ZONE", "CACHE_HERD_TIMEOUT", "VERSIONS",
                               "CACHE_COMPRESS_MIN_LENGTH", "CACHE_COMPRESS_LEVEL", "COMPRESS_ZLIB_WBITS", "COMPRESS_LZMA_FORMAT",
                               "COMPRESS_LZMA_CHECK", "COMPRESS_LZMA_FILTERS", "COMPRESS_LZ4_BLOCK_SIZE", "COMPRESS_LZ4_CONTENT_CHECKSUM",
                               "COMPRESS_LZ4_BLOCK_LINKED", "COMPRESS_LZ4_STORE_SIZE", "DJANGO_REDIS_CONNECTION_FACTORY",
                               "DJANGO_VALKEY_CONNECTION_FACTORY",
                               "TENANT_MODEL", "PUBLIC_SCHEMA_NAME", "TENANT_DB_ALIAS", "PG_EXTRA_SEARCH_PATHS",
                               "TENANTS", "PGSCHEMAS_TENANT_DB_ALIAS", "PGSCHEMAS_EXTRA_SEARCH_PATHS"]
        + cachalotKeys
    static let cacheKeys = ["BACKEND", "LOCATION", "KEY_PREFIX", "VERSION", "TIMEOUT", "KEY_FUNCTION", "OPTIONS",
                            "KEY_FUNCTION_TEMPLATE", "KEY_FUNCTION_PROBES"]
    /// BASE_ENGINE is cachalot's own: the Django engine a wrapper ENGINE
    /// (django-tenants and the like) talks to. The last five are Django's
    /// and change nothing cachalot does.
    static let databaseKeys = ["ENGINE", "BASE_ENGINE", "NAME", "HOST", "PORT", "USER", "PASSWORD", "OPTIONS", "TIME_ZONE",
                               "ATOMIC_REQUESTS", "AUTOCOMMIT", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "TEST"]
    static let defaultKeygens = [
        "CACHALOT_QUERY_KEYGEN": "cachalot.utils.get_query_cache_key",
        "CACHALOT_TABLE_KEYGEN": "cachalot.utils.get_table_cache_key",
    ]

    /// Locates, reads and types the settings file.
    public static func load(explicitPath: String?, environment: Environment,
                            currentDirectory: String) throws -> Settings {
        let path = try SettingsFile.locate(explicit: explicitPath, environment: environment,
                                           currentDirectory: currentDirectory)
        return try load(SettingsFile(path: path), environment: environment, currentDirectory: currentDirectory)
    }

    /// Types a settings document; relative paths in it are taken from the
    /// folder of the file, itself relative to `currentDirectory`.
    public static func load(_ file: SettingsFile, environment: Environment,
                            currentDirectory: String) throws -> Settings {
        do {
            let root = try SettingsTable(try file.document(environment: environment), path: [])
            if file.format == .toml { try root.rejectUnknownKeys(topLevelKeys) }
            let home = environment["HOME"]
            let base = PathText.absolute(PathText.directory(of: file.path), base: currentDirectory, home: home)
            func absolute(_ path: String) -> String { PathText.absolute(path, base: base, home: home) }
            let useTZ = try root.bool("USE_TZ") ?? true
            let timeZone = try root.string("TIME_ZONE") ?? "America/Chicago"
            var settings = Settings(
                path: file.path,
                cachalot: try cachalotSettings(root),
                caches: try caches(root, strict: file.format == .toml, absolute: absolute),
                databases: try databases(root, strict: file.format == .toml, absolute: absolute,
                                         useTZ: useTZ, timeZone: timeZone),
                models: try models(root))
            settings.apps = try apps(root)
            settings.useTZ = useTZ
            settings.timeZone = timeZone
            if let herd = try root.seconds("CACHE_HERD_TIMEOUT") {
                for alias in settings.caches.keys { settings.caches[alias]?.herdTimeout = herd }
            }
            // Checked where they matter: a django-redis or django-valkey cache (RedisOptions).
            let clientSettings = root.entries.filter {
                $0.key.hasPrefix("CACHE_COMPRESS_") || $0.key.hasPrefix("COMPRESS_") || $0.key.hasSuffix("_CONNECTION_FACTORY")
            }
            for alias in settings.caches.keys { settings.caches[alias]?.clientSettings = clientSettings }
            if case .double? = root.entries["CACHALOT_TIMEOUT"] {
                for alias in settings.caches.keys { settings.caches[alias]?.cachalotTimeoutIsFloat = true }
            }
            if let table = try root.table("VERSIONS") {
                settings.versions = try SiteVersions.load(table)
                for alias in settings.caches.keys { settings.caches[alias]?.siteVersions = settings.versions }
                for alias in settings.databases.keys { settings.databases[alias]?.siteVersions = settings.versions }
            }
            settings.tenancy = try tenancy(root, settings)
            for alias in settings.caches.keys where settings.caches[alias]!.keyFunction.template.usesSchema {
                settings.caches[alias]?.schema = settings.tenancy?.publicSchema
            }
            try validate(&settings, root)
            settings.literalSecrets = literalSecrets(settings, text: file.text)
            return settings
        } catch let problem as SettingsPathError {
            throw file.error(problem)
        }
    }

    private static func cachalotSettings(_ root: SettingsTable) throws -> CachalotSettings {
        var options = CachalotSettings()
        options.enabled = try root.bool("CACHALOT_ENABLED") ?? options.enabled
        options.cache = try root.string("CACHALOT_CACHE") ?? options.cache
        if case .string(let value)? = root.entries["CACHALOT_DATABASES"] {
            guard value == "supported_only" else {
                throw root.fail("CACHALOT_DATABASES", "expected \"supported_only\" or a list of database aliases, found \(quoted(value))")
            }
        } else {
            options.databases = try root.stringList("CACHALOT_DATABASES")
        }
        options.useUnsupportedDatabase = try root.bool("CACHALOT_USE_UNSUPPORTED_DATABASE") ?? false
        options.additionalSupportedDatabases = try root.stringList("CACHALOT_ADDITIONAL_SUPPORTED_DATABASES") ?? []
        options.timeout = try root.seconds("CACHALOT_TIMEOUT")
        options.cacheRandom = try root.bool("CACHALOT_CACHE_RANDOM") ?? options.cacheRandom
        options.cacheIterators = try root.bool("CACHALOT_CACHE_ITERATORS") ?? options.cacheIterators
        options.invalidateRaw = try root.bool("CACHALOT_INVALIDATE_RAW") ?? options.invalidateRaw
        options.onlyCachableTables = try root.stringList("CACHALOT_ONLY_CACHABLE_TABLES") ?? []
        options.onlyCachableApps = try root.stringList("CACHALOT_ONLY_CACHABLE_APPS") ?? []
        options.uncachableTables = try root.stringList("CACHALOT_UNCACHABLE_TABLES") ?? options.uncachableTables
        options.uncachableApps = try root.stringList("CACHALOT_UNCACHABLE_APPS") ?? []
        options.additionalTables = try root.stringList("CACHALOT_ADDITIONAL_TABLES") ?? []
        options.finalSQLCheck = try root.bool("CACHALOT_FINAL_SQL_CHECK") ?? options.finalSQLCheck
        for (key, expected) in defaultKeygens {
            if let value = try root.string(key), value != expected {
                throw root.fail(key, "custom key generator \(quoted(value)) is Python code that cachalot cannot run; only \"\(expected)\" is supported")
            }
        }
        return options
    }

    private static func caches(_ root: SettingsTable, strict: Bool, absolute: (String) -> String) throws -> [String: CacheSettings] {
        guard let table = try root.table("CACHES"), !table.entries.isEmpty else {
            throw root.fail("CACHES", "missing; name at least one cache, as in Django's CACHES setting")
        }
        var result: [String: CacheSettings] = [:]
        for alias in table.entries.keys {
            let entry = try SettingsTable(table.entries[alias]!, path: ["CACHES", alias])
            if strict { try entry.rejectUnknownKeys(cacheKeys) }
            let name = try entry.requiredString("BACKEND")
            guard let backend = CacheBackend(rawValue: name) else {
                if let reason = CacheBackend.unusable(name) { throw entry.fail("BACKEND", reason) }
                let accepted = CacheBackend.allCases.map(\.rawValue)
                throw entry.fail("BACKEND", "\(quoted(name)) is not a cache backend django-cachalot supports\(Suggestion.phrase(for: name, in: accepted)); accepted: \(accepted.joined(separator: ", "))")
            }
            _ = try entry.seconds("TIMEOUT")
            var cache = CacheSettings(alias: alias, backend: backend,
                                      locations: try locations(entry, backend: backend, absolute: absolute))
            cache.keyPrefix = try entry.string("KEY_PREFIX") ?? ""
            cache.version = try entry.int("VERSION") ?? 1
            cache.keyFunction = try keyFunction(entry, prefix: cache.keyPrefix, version: cache.version)
            cache.options = try entry.tableEntries("OPTIONS")
            result[alias] = cache
        }
        return result
    }

    /// KEY_FUNCTION and cachalot's KEY_FUNCTION_TEMPLATE and
    /// KEY_FUNCTION_PROBES beside it: a known function has its built-in
    /// template and no other; any other function's template must give
    /// every recorded probe's answer, one of them made with the cache's own
    /// KEY_PREFIX and VERSION (a function may treat them in ways other
    /// inputs do not show).
    private static func keyFunction(_ entry: SettingsTable, prefix: String, version: Int) throws -> KeyFunction {
        let path = try entry.string("KEY_FUNCTION") ?? KeyFunction.djangoDefaultPath
        let probes = try self.probes(entry)
        let template: KeyTemplate
        if let text = try entry.string("KEY_FUNCTION_TEMPLATE") {
            do {
                template = try KeyTemplate(text)
            } catch {
                throw entry.fail("KEY_FUNCTION_TEMPLATE", "\(quoted(text)) \(error)")
            }
            if let known = KeyFunction.known[path], known.description != text {
                throw entry.fail("KEY_FUNCTION_TEMPLATE", "\(quoted(text)) is not what \(quoted(path)) computes (\(quoted(known.description)), built in); remove it")
            }
            guard KeyFunction.known[path] != nil || probes.contains(where: { $0.prefix == prefix && $0.version == version }) else {
                throw entry.fail("KEY_FUNCTION_PROBES", "missing\(probes.isEmpty ? "" : " a probe with this cache's KEY_PREFIX \(quoted(prefix)) and VERSION \(version)"): a template for \(quoted(path)) is used only once the site's own function has answered the probes, which `cachalot init` records; nothing is guessed")
            }
        } else if let known = KeyFunction.known[path] {
            template = known
        } else {
            throw entry.fail("KEY_FUNCTION", "custom key function \(quoted(path)) is Python code that cachalot cannot run; describe it with KEY_FUNCTION_TEMPLATE (placeholders {prefix}, {version}, {key}, {schema}, digests {md5:…}, {sha1:…}, {sha256:…}) and record its answers with `cachalot init`")
        }
        let function = KeyFunction(path: path, template: template, probes: probes)
        if let (probe, computed) = function.firstMismatch() {
            throw entry.fail(entry.entries["KEY_FUNCTION_TEMPLATE"] == nil ? "KEY_FUNCTION" : "KEY_FUNCTION_TEMPLATE",
                             "the template \(quoted(template.description)) does not reproduce \(quoted(path)): for key \(quoted(probe.key)), KEY_PREFIX \(quoted(probe.prefix)), VERSION \(probe.version)\(probe.schema.map { ", schema \(quoted($0))" } ?? "") the site made \(quoted(probe.made)), the template makes \(quoted(computed))")
        }
        return function
    }

    /// KEY_FUNCTION_PROBES: a list of tables with key, key_prefix,
    /// version, schema (null outside a tenant) and made.
    private static func probes(_ entry: SettingsTable) throws -> [KeyFunction.Probe] {
        guard let value = entry.entries["KEY_FUNCTION_PROBES"], value != .null else { return [] }
        guard case .array(let items) = value else {
            throw entry.fail("KEY_FUNCTION_PROBES", "expected a list of probes, found \(value.kindDescription)")
        }
        return try items.enumerated().map { index, item in
            let probe = try SettingsTable(item, path: entry.path + ["KEY_FUNCTION_PROBES", "\(index)"])
            try probe.rejectUnknownKeys(["key", "key_prefix", "version", "schema", "made"])
            return KeyFunction.Probe(key: try probe.requiredString("key"), prefix: try probe.requiredString("key_prefix"),
                                     version: try probe.int("version") ?? 1, schema: try probe.string("schema"),
                                     made: try probe.requiredString("made"))
        }
    }

    /// The site's tenancy, in django-tenants' settings (TENANT_MODEL,
    /// PUBLIC_SCHEMA_NAME, TENANT_DB_ALIAS, PG_EXTRA_SEARCH_PATHS) or
    /// django-pgschemas' (TENANTS, PGSCHEMAS_TENANT_DB_ALIAS,
    /// PGSCHEMAS_EXTRA_SEARCH_PATHS); a key function that keys by schema needs
    /// one of them, to know the schemas.
    private static func tenancy(_ root: SettingsTable, _ settings: Settings) throws -> Tenancy? {
        let tenancy: Tenancy?
        if let tenants = try root.table("TENANTS") {
            for key in ["TENANT_MODEL", "PUBLIC_SCHEMA_NAME", "TENANT_DB_ALIAS", "PG_EXTRA_SEARCH_PATHS"] where root.entries[key] != nil {
                throw root.fail(key, "a django-tenants setting beside TENANTS (django-pgschemas): a site uses one of the two packages")
            }
            var found = try pgschemasTenancy(tenants, alias: try root.string("PGSCHEMAS_TENANT_DB_ALIAS") ?? "default")
            found.extraSearchPaths = try root.stringList("PGSCHEMAS_EXTRA_SEARCH_PATHS") ?? []
            tenancy = found
        } else if let model = try root.string("TENANT_MODEL") {
            for key in ["PGSCHEMAS_TENANT_DB_ALIAS", "PGSCHEMAS_EXTRA_SEARCH_PATHS"] where root.entries[key] != nil {
                throw root.fail(key, "a django-pgschemas setting beside TENANT_MODEL (django-tenants): a site uses one of the two packages")
            }
            tenancy = Tenancy(tenantModel: model, publicSchema: try root.string("PUBLIC_SCHEMA_NAME") ?? "public",
                              databaseAlias: try root.string("TENANT_DB_ALIAS") ?? "default",
                              extraSearchPaths: try root.stringList("PG_EXTRA_SEARCH_PATHS") ?? [])
        } else {
            tenancy = nil
        }
        let keyedBySchema = settings.cacheAliases.compactMap { settings.caches[$0] }.first { $0.keyFunction.template.usesSchema }
        guard var tenancy else {
            if let cache = keyedBySchema {
                throw root.fail("TENANT_MODEL", "missing: cache '\(cache.alias)' keys by tenant schema (KEY_FUNCTION \(quoted(cache.keyFunction.path))), and the tenant model's table lists the schemas (TENANTS on a django-pgschemas site); `cachalot init` writes it")
            }
            return nil
        }
        // Only a cache keyed by schema needs the schemas listed.
        guard keyedBySchema != nil else { return tenancy }
        if let model = tenancy.tenantModel {
            // apps.get_model matches the model name in any case.
            let parts = model.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let label = settings.models?.keys.first(where: {
                let other = $0.split(separator: ".", maxSplits: 1)
                return other.count == 2 && other[0] == parts[0] && other[1].lowercased() == parts[1].lowercased()
            }) else {
                throw root.fail(root.entries["TENANTS"] == nil ? "TENANT_MODEL" : "TENANTS",
                                "tenant model \(quoted(model)) is not in MODELS: cachalot reads the schemas from its table; `cachalot init` writes both")
            }
            tenancy.tenantModel = label
        }
        if settings.databases[tenancy.databaseAlias] == nil {
            throw root.fail(root.entries["TENANTS"] == nil ? "TENANT_DB_ALIAS" : "PGSCHEMAS_TENANT_DB_ALIAS",
                            "database \(quoted(tenancy.databaseAlias)), where the tenants are listed, is not in DATABASES")
        }
        return tenancy
    }

    /// django-pgschemas' TENANTS: "public" (required), static tenants named
    /// by their keys, and "default" whose TENANT_MODEL lists the dynamic
    /// ones (and CLONE_REFERENCE names one more schema). Other keys of each entry (APPS, URLS, DOMAINS, …) route
    /// requests and change no cache key: they are accepted and not read.
    private static func pgschemasTenancy(_ tenants: SettingsTable, alias: String) throws -> Tenancy {
        guard tenants.entries["public"] != nil else {
            throw SettingsPathError(path: tenants.path, problem: "has no \"public\" entry; django-pgschemas requires one")
        }
        for key in tenants.entries.keys { _ = try tenants.table(key) }
        let dynamic = try tenants.table("default")
        var statics = tenants.entries.keys.filter { $0 != "public" && $0 != "default" }
        // The schema new tenants are cloned from: commands can run in it.
        if let reference = try dynamic?.string("CLONE_REFERENCE") { statics.append(reference) }
        var tenancy = Tenancy(tenantModel: try dynamic?.requiredString("TENANT_MODEL"), staticSchemas: statics.sorted(),
                              databaseAlias: alias)
        tenancy.foldsSchemaNames = true
        return tenancy
    }

    /// LOCATION as the backend reads it: a directory for the file cache
    /// (relative paths are taken from the settings file's folder); else a
    /// list as it is, or a string split as the backend splits it, never
    /// trimmed: Django's RedisCache and memcached backends on `;` and `,`
    /// (re.split("[;,]", server)), django-redis's clients on `,` only
    /// (DefaultClient: server.split(",")), and its SentinelClient not at
    /// all (one URL). A server with spaces around it, or an empty one, is
    /// refused: the client would take the space as part of the address.
    private static func locations(_ entry: SettingsTable, backend: CacheBackend, absolute: (String) -> String) throws -> [String] {
        let raw = try entry.stringOrList("LOCATION") ?? []
        switch backend {
        case .locMem, .dummy:
            return raw
        case .fileBased:
            guard raw.count == 1, let directory = raw.first, !directory.isEmpty else {
                throw entry.fail("LOCATION", "the file-based cache needs LOCATION, one directory")
            }
            return [absolute(directory)]
        default:
            guard !raw.isEmpty else {
                throw entry.fail("LOCATION", "missing; this backend needs at least one server address")
            }
            guard case .string(let text)? = entry.entries["LOCATION"] else { return try checkedServers(raw, entry) }
            let client = try entry.table("OPTIONS")?.string("CLIENT_CLASS")
            let servers: [Substring] = switch backend {
            case .djangoRedis where client == "django_redis.client.SentinelClient": [Substring(text)]
            case .djangoRedis, .djangoValkey, .djangoValkeyCluster: text.split(separator: ",", omittingEmptySubsequences: false)
            default: text.split(omittingEmptySubsequences: false) { $0 == "," || $0 == ";" }
            }
            // A separator inside a password cuts a URL in two: the piece
            // after it is no URL, and the one before shows the password's head.
            if [.redis, .djangoRedis, .djangoValkey, .djangoValkeyCluster].contains(backend), servers.count > 1,
               let index = servers.firstIndex(where: { !$0.contains("://") }) {
                throw entry.fail("LOCATION", "LOCATION's server \(index + 1) of \(servers.count) is not a Redis URL: the site's client splits this string at every separator, so one inside a password cuts its URL in two; give LOCATION as a list")
            }
            return try checkedServers(servers.map(String.init), entry)
        }
    }

    /// The servers as the client gets them, or a refusal naming the one
    /// (by position: it may hold a password) with spaces around it or empty.
    private static func checkedServers(_ servers: [String], _ entry: SettingsTable) throws -> [String] {
        for (index, server) in servers.enumerated() {
            let place = servers.count == 1 ? "LOCATION" : "LOCATION's server \(index + 1) of \(servers.count)"
            if server.isEmpty {
                throw entry.fail("LOCATION", "\(place) is empty (a separator at the start or end, or two in a row); the site's client would get an empty address")
            }
            if server.first!.isWhitespace || server.last!.isWhitespace {
                throw entry.fail("LOCATION", "\(place) has spaces around it, which Django passes on and the client reads as part of the address; remove them")
            }
        }
        return servers
    }

    private static func databases(_ root: SettingsTable, strict: Bool, absolute: (String) -> String,
                                  useTZ: Bool, timeZone: String) throws -> [String: DatabaseSettings] {
        guard let table = try root.table("DATABASES"), !table.entries.isEmpty else {
            throw root.fail("DATABASES", "missing; name at least one database, as in Django's DATABASES setting")
        }
        var result: [String: DatabaseSettings] = [:]
        for alias in table.entries.keys {
            let entry = try SettingsTable(table.entries[alias]!, path: ["DATABASES", alias])
            if strict { try entry.rejectUnknownKeys(databaseKeys) }
            let engineName = try entry.requiredString("ENGINE")
            let engine = try self.engine(engineName, entry)
            var database = DatabaseSettings(alias: alias, engine: engine, engineName: engineName, name: try entry.string("NAME") ?? "")
            database.host = try entry.string("HOST") ?? ""
            database.port = try portText(entry)
            database.user = try entry.string("USER") ?? ""
            database.password = try entry.string("PASSWORD") ?? ""
            database.options = try entry.tableEntries("OPTIONS")
            database.timeZone = try entry.string("TIME_ZONE")
            if !useTZ, database.timeZone != nil {
                throw entry.fail("TIME_ZONE", "Django refuses a database TIME_ZONE when USE_TZ is False (ImproperlyConfigured); remove it or set USE_TZ = true")
            }
            database.clock = DatabaseClock(useTZ: useTZ, timeZone: timeZone, databaseTimeZone: database.timeZone)
            switch engine {
            case .sqlite:
                guard !database.name.isEmpty else { throw entry.fail("NAME", "missing; give the SQLite file's path") }
                guard database.name != ":memory:", !database.name.hasPrefix("file:") else {
                    throw entry.fail("NAME", "\(quoted(database.name)) is not a database file another process can open; give the SQLite file's path")
                }
                database.name = absolute(database.name)
            case .postgresql:
                try postgreSQLName(&database, entry)
            case .mysql:
                break
            }
            result[alias] = database
        }
        return result
    }

    /// ENGINE as django-cachalot knows it, or a wrapper engine with the
    /// BASE_ENGINE it wraps.
    private static func engine(_ engineName: String, _ entry: SettingsTable) throws -> DatabaseEngine {
        let accepted = DatabaseEngine.byEngineName.keys.sorted()
        if let base = try entry.string("BASE_ENGINE") {
            guard let engine = DatabaseEngine.byEngineName[base] else {
                throw entry.fail("BASE_ENGINE", "\(quoted(base)) is not a database engine django-cachalot supports\(Suggestion.phrase(for: base, in: accepted)); accepted: \(accepted.joined(separator: ", "))")
            }
            return engine
        }
        guard let engine = DatabaseEngine.byEngineName[engineName] else {
            throw entry.fail("ENGINE", "\(quoted(engineName)) is not a database engine django-cachalot supports\(Suggestion.phrase(for: engineName, in: accepted)); accepted: \(accepted.joined(separator: ", ")); an engine that wraps one of them needs BASE_ENGINE naming it")
        }
        return engine
    }

    /// Django's PostgreSQL NAME rules (get_connection_params): None means
    /// the "postgres" database with OPTIONS service dropped; "" needs
    /// OPTIONS service; more than 63 characters is refused.
    private static func postgreSQLName(_ database: inout DatabaseSettings, _ entry: SettingsTable) throws {
        if case .null? = entry.entries["NAME"] {
            database.name = "postgres"
            database.options["service"] = nil
            return
        }
        if database.name.isEmpty, database.options["service"] == nil {
            throw entry.fail("NAME", "missing; Django needs NAME or OPTIONS service for PostgreSQL")
        }
        if database.name.unicodeScalars.count > 63 {
            throw entry.fail("NAME", "\(quoted(database.name)) is longer than PostgreSQL's limit of 63 characters (Django refuses it)")
        }
    }

    private static func portText(_ entry: SettingsTable) throws -> String {
        if case .int(let port)? = entry.entries["PORT"] { return String(port) }
        return try entry.string("PORT") ?? ""
    }

    private static func models(_ root: SettingsTable) throws -> [String: String]? {
        guard let table = try root.table("MODELS") else { return nil }
        var result: [String: String] = [:]
        for label in table.entries.keys {
            guard ModelEntry.labelParts(label) != nil else {
                throw table.fail(label, "expected a model label \"app_label.ModelName\"")
            }
            result[label] = try table.requiredString(label)
        }
        return result
    }

    private static func apps(_ root: SettingsTable) throws -> [String: String] {
        guard let table = try root.table("APPS") else { return [:] }
        var result: [String: String] = [:]
        for label in table.entries.keys { result[label] = try table.requiredString(label) }
        return result
    }

    /// Passwords written in the file as they are (not as ${VAR}): the
    /// settings path of each, for doctor's warning about readable files.
    private static func literalSecrets(_ settings: Settings, text: String) -> [String] {
        var found: [String] = []
        for alias in settings.databaseAliases {
            if let password = settings.databases[alias]?.password, !password.isEmpty, text.includes(password) {
                found.append("DATABASES.\(alias).PASSWORD")
            }
        }
        for alias in settings.cacheAliases {
            guard let cache = settings.caches[alias] else { continue }
            let passwords = cache.locations.compactMap(urlPassword)
                + ["PASSWORD", "password"].compactMap { if case .string(let value)? = cache.options[$0] { return value } else { return nil } }
            if passwords.contains(where: { !$0.isEmpty && text.includes($0) }) { found.append("CACHES.\(alias)") }
        }
        return found
    }

    /// The password of `scheme://user:password@host…`, as written.
    private static func urlPassword(_ location: String) -> String? {
        guard let scheme = location.firstIndex(of: ":"), location[scheme...].hasPrefix("://") else { return nil }
        let authority = location[location.index(scheme, offsetBy: 3)...].prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return nil }
        return String(authority[authority.index(after: colon)..<at])
    }

    private static func validate(_ settings: inout Settings, _ root: SettingsTable) throws {
        guard settings.caches[settings.cachalot.cache] != nil else {
            throw root.fail("CACHALOT_CACHE", "\(quoted(settings.cachalot.cache)) is not an alias in CACHES\(Suggestion.phrase(for: settings.cachalot.cache, in: settings.cacheAliases)); aliases: \(settings.cacheAliases.joined(separator: ", "))")
        }
        for alias in settings.cachalot.databases ?? [] where settings.databases[alias] == nil {
            throw root.fail("CACHALOT_DATABASES", "\(quoted(alias)) is not an alias in DATABASES\(Suggestion.phrase(for: alias, in: settings.databaseAliases)); aliases: \(settings.databaseAliases.joined(separator: ", "))")
        }
    }
}
