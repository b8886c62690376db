@testable import CachalotKit

/// A Redis cache's options as cachalot reads them from a settings file:
/// `cache` is the JSON inside CACHES.default after BACKEND, `top` what
/// comes before CACHES (Django settings beside it).
func loadRedisOptions(backend: String, cache: String, top: String = "") throws -> RedisOptions {
    let text = #"{\#(top)"CACHES": {"default": {"BACKEND": "\#(backend)", \#(cache)}}, "#
        + #""DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/db.sqlite3"}}}"#
    let loaded = try SettingsLoader.load(SettingsFile(path: "/etc/cachalot.json", format: .json, text: text),
                                         environment: [:], currentDirectory: "/")
    return try RedisOptions(loaded.caches["default"]!, timeoutOverride: nil)
}

/// The message of the usage error (exit 2) `body` throws, or nil when it
/// throws nothing; another error is returned as its description.
func usageRefusal(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as CachalotError where error.exitCode == .usage { return error.message } catch { return "\(error)" }
    return nil
}
