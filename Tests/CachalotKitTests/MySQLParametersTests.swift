import Testing
@testable import CachalotKit

/// What mysqlclient's OPTIONS become on libmariadb's connection.
struct MySQLParametersTests {
    func parameters(_ options: String) throws -> MySQLParameters {
        let text = #"{"CACHES": {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}}, "#
            + #""DATABASES": {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "site", "HOST": "127.0.0.1", "OPTIONS": {\#(options)}}}}"#
        let settings = try SettingsLoader.load(SettingsFile(path: "/etc/cachalot.json", format: .json, text: text),
                                               environment: [:], currentDirectory: "/")
        return try MySQLParameters(settings.databases["default"]!, timeout: 5)
    }

    /// MySQL 8's caching_sha2_password without TLS: the key file the site's
    /// mysqlclient reads is read here too (else libmariadb asks the server).
    @Test func caching_sha2_passwordsKeyAndPluginReachTheConnection() throws {
        let read = try parameters(#""auth_plugin": "caching_sha2_password", "server_public_key_path": "/etc/mysql/public_key.pem""#)
        #expect(read.authPlugin == "caching_sha2_password")
        #expect(read.serverPublicKeyPath == "/etc/mysql/public_key.pem")
        #expect(try parameters("").serverPublicKeyPath == nil)
    }
}
