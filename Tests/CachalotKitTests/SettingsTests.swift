import Testing
@testable import CachalotKit

struct SettingsTests {
    static let minimalTOML = """
    [CACHES.default]
    BACKEND = "django.core.cache.backends.filebased.FileBasedCache"
    LOCATION = "/var/tmp/cache"

    [DATABASES.default]
    ENGINE = "django.db.backends.sqlite3"
    NAME = "/srv/db.sqlite3"
    """

    func load(_ text: String, format: SettingsFile.Format = .toml, environment: Environment = [:]) throws -> Settings {
        try SettingsLoader.load(SettingsFile(path: "/etc/site/cachalot.\(format.rawValue)", format: format, text: text),
                                environment: environment, currentDirectory: "/home/ops")
    }

    func loadError(_ text: String, format: SettingsFile.Format = .toml, environment: Environment = [:]) -> CachalotError? {
        do {
            _ = try load(text, format: format, environment: environment)
            return nil
        } catch let error as CachalotError {
            return error
        } catch {
            return .runtime("unexpected \(error)")
        }
    }

    @Test func cachedDatabasesFollowDjangoCachalotsConverter() throws {
        func settings(_ extra: String) throws -> Settings {
            let text = #"{"CACHES": {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/c"}}, "#
                + #""DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/d"}, "#
                + #""tenant": {"ENGINE": "django_tenants.postgresql_backend", "BASE_ENGINE": "django.db.backends.postgresql", "NAME": "t"}}"#
                + extra + "}"
            return try SettingsLoader.load(SettingsFile(path: "/s.json", format: .json, text: text), environment: [:], currentDirectory: "/")
        }
        let supportedOnly = try settings("")
        #expect(supportedOnly.cachesQueries(onDatabase: "default") && !supportedOnly.cachesQueries(onDatabase: "tenant"))
        #expect(try settings(#", "CACHALOT_USE_UNSUPPORTED_DATABASE": true"#).cachesQueries(onDatabase: "tenant"))
        #expect(try settings(#", "CACHALOT_ADDITIONAL_SUPPORTED_DATABASES": ["django_tenants.postgresql_backend"]"#).cachesQueries(onDatabase: "tenant"))
        let listed = try settings(#", "CACHALOT_DATABASES": ["tenant"]"#)
        #expect(!listed.cachesQueries(onDatabase: "default") && listed.cachesQueries(onDatabase: "tenant"))
    }

    @Test func aMySQLSocketHasNoPortInItsAddress() {
        var database = DatabaseSettings(alias: "default", engine: .mysql, engineName: "django.db.backends.mysql", name: "site")
        database.host = "/run/mysqld/mysqld.sock"
        database.port = "3329"
        #expect(database.address == "/run/mysqld/mysqld.sock/site")
        database.host = ""
        database.options["unix_socket"] = .string("/tmp/m.sock")
        #expect(database.address == "/tmp/m.sock/site")
        database.options = [:]
        database.host = "db.example"
        #expect(database.address == "db.example:3329/site")
    }

    /// MODELS comes from Django's `apps.get_models()`: a label with an empty
    /// part or a second dot is a typo, refused where it stands.
    @Test func aModelsLabelThatIsNotAppDotModelIsRefused() throws {
        #expect(try load(Self.minimalTOML + "\n[MODELS]\n\"auth.User\" = \"auth_user\"\n").models == ["auth.User": "auth_user"])
        for label in ["auth..User", ".auth.User", "auth.User.", "auth"] {
            let error = loadError(Self.minimalTOML + "\n[MODELS]\n\"\(label)\" = \"auth_user\"\n")
            #expect(error?.exitCode == .usage, "\(label)")
            #expect(error?.message.contains("expected a model label") == true, "\(label): \(String(describing: error))")
        }
    }

    @Test func tomlDefaultsAreDjangos() throws {
        let settings = try load(Self.minimalTOML)
        #expect(settings.cachalot == CachalotSettings())
        #expect(settings.cachalot.timeout == nil)
        #expect(settings.cachalot.uncachableTables == ["django_migrations"])
        #expect(settings.caches["default"]?.keyPrefix == "")
        #expect(settings.caches["default"]?.version == 1)
        #expect(settings.databases["default"]?.engine == .sqlite)
    }

    @Test func relativePathsAreTakenFromTheSettingsFolder() throws {
        let settings = try load(Self.minimalTOML
            .replacing("/var/tmp/cache", with: "cache")
            .replacing("/srv/db.sqlite3", with: "../db.sqlite3"))
        #expect(settings.caches["default"]?.locations == ["/etc/site/cache"])
        #expect(settings.databases["default"]?.name == "/etc/db.sqlite3")
    }

    @Test func aRelativeSettingsPathIsTakenFromTheCallersDirectory() throws {
        let text = Self.minimalTOML.replacing("/var/tmp/cache", with: "cache").replacing("/srv/db.sqlite3", with: "~/db.sqlite3")
        let settings = try SettingsLoader.load(SettingsFile(path: "conf/./cachalot.toml", format: .toml, text: text),
                                               environment: ["HOME": "/home/site"], currentDirectory: "/home/ops")
        #expect(settings.caches["default"]?.locations == ["/home/ops/conf/cache"])
        #expect(settings.databases["default"]?.name == "/home/site/db.sqlite3")
    }

    @Test func jsonIgnoresDjangoExtrasAndReadsNull() throws {
        let settings = try load("""
        {"CACHALOT_TIMEOUT": null, "CACHALOT_UNCACHABLE_TABLES": ["django_migrations", "x"], "SOMETHING": 1,
         "CACHES": {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/c", "VERSION": 3}},
         "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/d.sqlite3", "TEST": {"NAME": null},
                                   "ATOMIC_REQUESTS": false, "PORT": ""}},
         "MODELS": {"auth.User": "auth_user"}}
        """, format: .json)
        #expect(settings.cachalot.timeout == nil)
        #expect(settings.cachalot.uncachableTables == ["django_migrations", "x"])
        #expect(settings.caches["default"]?.version == 3)
        #expect(settings.models == ["auth.User": "auth_user"])
    }

    /// VERSIONS: django-redis's pickle protocol follows the site's Python;
    /// versions older than the matrix proves are refused, not guessed.
    @Test func siteVersionsPickTheProtocolAndRefuseUnprovenOnes() throws {
        func versions(_ lines: String) -> String { "VERSIONS = { \(lines) }\n" + Self.minimalTOML }
        #expect(try load(Self.minimalTOML).caches["default"]?.siteVersions.djangoRedisPickleProtocol == 4)
        #expect(try load(versions("python = \"3.13.0\"")).caches["default"]?.siteVersions.djangoRedisPickleProtocol == 4)
        #expect(try load(versions("python = \"3.14.0\"")).caches["default"]?.siteVersions.djangoRedisPickleProtocol == 5)
        let loaded = try load(versions("django = \"6.0b1\", \"django-cachalot\" = \"2.9.1\", \"django-redis\" = \"5.4.0\""))
        #expect(loaded.versions.django == [6, 0] && loaded.versions.djangoCachalot == [2, 9, 1])
        let old = try #require(loadError(versions("django = \"4.1.13\"")))
        #expect(old.exitCode == .usage && old.message.contains("django 4.1.13 is older than 4.2"))
        let cachalot = try #require(loadError(versions("\"django-cachalot\" = \"2.5.3\"")))
        #expect(cachalot.message.contains("django-cachalot 2.5.3 is older than 2.6"))
        let unknown = try #require(loadError(versions("djangoo = \"5.2\"")))
        #expect(unknown.message.contains("VERSIONS.djangoo"))
        let garbage = try #require(loadError(versions("python = \"latest\"")))
        #expect(garbage.message.contains("expected a version"))
    }

    @Test func tomlUnknownKeyIsAnErrorWithSuggestionAndLine() throws {
        let error = try #require(loadError("CACHALOT_TIMEOUTS = 5\n" + Self.minimalTOML))
        #expect(error.exitCode == .usage)
        #expect(error.message.contains("/etc/site/cachalot.toml:1:1: CACHALOT_TIMEOUTS"))
        #expect(error.message.contains("did you mean 'CACHALOT_TIMEOUT'"))
    }

    @Test func wrongTypeNamesTheKeyAndLine() throws {
        let error = try #require(loadError(Self.minimalTOML.replacing("[CACHES.default]", with: "[CACHES.default]\nVERSION = \"2\"")))
        #expect(error.message.contains(":2:1: CACHES.default.VERSION: expected an integer, found a string"))
    }

    @Test func customKeyFunctionIsRefused() throws {
        let error = try #require(loadError(Self.minimalTOML.replacing("[CACHES.default]", with: "[CACHES.default]\nKEY_FUNCTION = \"mysite.keys.make\"")))
        #expect(error.message.contains("KEY_FUNCTION"))
        #expect(error.message.contains("Python code"))
        let keygen = try #require(loadError("CACHALOT_TABLE_KEYGEN = \"mysite.k\"\n" + Self.minimalTOML))
        #expect(keygen.message.contains("CACHALOT_TABLE_KEYGEN"))
    }

    @Test func unknownBackendListsWhatIsAccepted() throws {
        let error = try #require(loadError(Self.minimalTOML.replacing("filebased.FileBasedCache", with: "filebased.FileBaseCache")))
        #expect(error.message.contains("did you mean 'django.core.cache.backends.filebased.FileBasedCache'"))
        #expect(error.message.contains("accepted:"))
    }

    @Test func unknownEngineIsRefused() throws {
        let error = try #require(loadError(Self.minimalTOML.replacing("backends.sqlite3", with: "backends.oracle")))
        #expect(error.message.contains("DATABASES.default.ENGINE"))
    }

    static func postgreSQL(_ database: String, top: String = "") -> String {
        """
        \(top)
        [CACHES.default]
        BACKEND = "django.core.cache.backends.filebased.FileBasedCache"
        LOCATION = "/var/tmp/cache"

        [DATABASES.default]
        \(database)
        """
    }

    @Test func wrapperEnginesNeedTheirBaseEngine() throws {
        let tenants = #"ENGINE = "django_tenants.postgresql_backend""#
        #expect(loadError(Self.postgreSQL(tenants + "\nNAME = \"site\""))?.message.contains("BASE_ENGINE") == true)
        let settings = try load(Self.postgreSQL(tenants + "\nBASE_ENGINE = \"django.db.backends.postgresql\"\nNAME = \"site\""))
        #expect(settings.databases["default"]?.engine == .postgresql)
        #expect(settings.databases["default"]?.engineName == "django_tenants.postgresql_backend")
        #expect(loadError(Self.postgreSQL(tenants + "\nBASE_ENGINE = \"oracle\"\nNAME = \"site\""))?.exitCode == .usage)
    }

    @Test func postgreSQLNameFollowsDjango() throws {
        let engine = #"ENGINE = "django.db.backends.postgresql""#
        #expect(loadError(Self.postgreSQL(engine))?.message.contains("NAME or OPTIONS service") == true)
        #expect(try load(Self.postgreSQL(engine + "\nOPTIONS = { service = \"site\" }")).databases["default"]?.name == "")
        #expect(loadError(Self.postgreSQL(engine + "\nNAME = \"\(String(repeating: "n", count: 64))\""))?.message.contains("63") == true)
        let json = #"{"CACHES": {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/c"}}, "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": null, "OPTIONS": {"service": "s", "sslmode": "require"}}}}"#
        let none = try load(json, format: .json).databases["default"]
        #expect(none?.name == "postgres" && none?.options["service"] == nil && none?.options["sslmode"] == .string("require"))
    }

    @Test func timeZonesFollowDjango() throws {
        let engine = #"ENGINE = "django.db.backends.postgresql"\#nNAME = "site""#
        #expect(try load(Self.postgreSQL(engine)).databases["default"]?.clock == .utc)
        let paris = try load(Self.postgreSQL(engine + "\nTIME_ZONE = \"Europe/Paris\""))
        #expect(paris.databases["default"]?.clock == DatabaseClock(sessionZone: "Europe/Paris", rowZone: .zoneInfo("Europe/Paris")))
        let naive = try load(Self.postgreSQL(engine, top: "USE_TZ = false\nTIME_ZONE = \"Asia/Tokyo\""))
        #expect(naive.databases["default"]?.clock == DatabaseClock(sessionZone: "Asia/Tokyo", rowZone: .naive))
        #expect(loadError(Self.postgreSQL(engine + "\nTIME_ZONE = \"UTC\"", top: "USE_TZ = false"))?.message.contains("USE_TZ") == true)
    }

    @Test func cachalotCacheMustNameACache() throws {
        let error = try #require(loadError("CACHALOT_CACHE = \"defualt\"\n" + Self.minimalTOML))
        #expect(error.message.contains("did you mean 'default'"))
    }

    @Test func environmentVariablesExpand() throws {
        let text = Self.minimalTOML.replacing("/srv/db.sqlite3", with: "${DB_DIR}/${DB_NAME:-db.sqlite3}")
        let settings = try load(text, environment: ["DB_DIR": "/data"])
        #expect(settings.databases["default"]?.name == "/data/db.sqlite3")
        let error = try #require(loadError(text))
        #expect(error.message.contains("environment variable DB_DIR is not set"))
    }

    @Test func invalidTOMLGivesLineAndColumn() throws {
        let error = try #require(loadError("[CACHES.default\n"))
        #expect(error.message.hasPrefix("/etc/site/cachalot.toml:1:"))
        #expect(error.exitCode == .usage)
    }

    @Test func locateOrder() throws {
        #expect(try SettingsFile.locate(explicit: "/a.toml", environment: ["CACHALOT_SETTINGS": "/b.toml"], currentDirectory: "/") == "/a.toml")
        #expect(try SettingsFile.locate(explicit: nil, environment: ["CACHALOT_SETTINGS": "/b.toml"], currentDirectory: "/") == "/b.toml")
        #expect(throws: CachalotError.self) {
            try SettingsFile.locate(explicit: nil, environment: [:], currentDirectory: "/nonexistent-dir")
        }
    }
}
