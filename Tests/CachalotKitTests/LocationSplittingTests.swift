import Testing
@testable import CachalotKit

/// LOCATION split exactly as each backend splits it (Django 5.2's
/// RedisCache and BaseMemcachedCache: re.split("[;,]"); django-redis 7's
/// DefaultClient: split(","); its SentinelClient: not at all), a list
/// never split, nothing trimmed.
struct LocationSplittingTests {
    func cache(_ backend: String, _ location: String, client: String? = nil) throws -> CacheSettings {
        let options = client.map { #", "OPTIONS": {"CLIENT_CLASS": "\#($0)"}"# } ?? ""
        let text = #"{"CACHES": {"default": {"BACKEND": "\#(backend)", "LOCATION": \#(location)\#(options)}}, "#
            + #""DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/db.sqlite3"}}}"#
        let settings = try SettingsLoader.load(SettingsFile(path: "/etc/cachalot.json", format: .json, text: text),
                                               environment: [:], currentDirectory: "/")
        return settings.caches["default"]!
    }

    func refusal(_ backend: String, _ location: String) -> String? {
        do { _ = try cache(backend, location) } catch let error as CachalotError where error.exitCode == .usage { return error.message } catch { return "\(error)" }
        return nil
    }

    static let djangoRedis = "django_redis.cache.RedisCache"
    static let djangoRedisCache = "django.core.cache.backends.redis.RedisCache"
    static let pylibmc = "django.core.cache.backends.memcached.PyLibMCCache"

    @Test func djangoRedisSplitsAStringOnCommasOnly() throws {
        #expect(try cache(Self.djangoRedis, #""redis://a/0;redis://b/0""#, client: "django_redis.client.ShardClient").locations
            == ["redis://a/0;redis://b/0"])
        #expect(try cache(Self.djangoRedis, #""redis://a/0,redis://b/0""#, client: "django_redis.client.ShardClient").locations
            == ["redis://a/0", "redis://b/0"])
        #expect(try cache(Self.djangoRedis, #""redis://mymaster/0,x""#, client: "django_redis.client.SentinelClient").locations
            == ["redis://mymaster/0,x"])
    }

    @Test func djangosBackendsSplitOnSemicolonsAndCommas() throws {
        #expect(try cache(Self.djangoRedisCache, #""redis://a/0;redis://b/0,redis://c/0""#).locations
            == ["redis://a/0", "redis://b/0", "redis://c/0"])
        #expect(try cache(Self.pylibmc, #""127.0.0.1:1;127.0.0.1:2""#).locations == ["127.0.0.1:1", "127.0.0.1:2"])
    }

    @Test func listElementsAreNeverSplit() throws {
        #expect(try cache(Self.djangoRedis, #"["redis://:p,w;d@a/0", "redis://b/0"]"#).locations == ["redis://:p,w;d@a/0", "redis://b/0"])
        #expect(try cache(Self.djangoRedisCache, #"["redis://:p,w;d@a/0"]"#).locations == ["redis://:p,w;d@a/0"])
    }

    @Test func spacesAroundAServerOrAnEmptyOneAreRefusedWithoutShowingIt() {
        for location in [#""redis://:secret@a/0, redis://b/0""#, #"["redis://:secret@a/0 "]"#, #""redis://:secret@a/0,""#] {
            let message = refusal(Self.djangoRedis, location)
            #expect(message?.contains("LOCATION") == true, "\(location)")
            #expect(message?.contains("secret") == false, "\(location)")
        }
        #expect(refusal(Self.pylibmc, #""127.0.0.1:1; 127.0.0.1:2""#)?.contains("spaces") == true)
    }

    @Test func aSeparatorInsideAPasswordIsRefusedWithoutShowingItsHead() {
        for (backend, location) in [(Self.djangoRedis, #""redis://:2024,Secret@h:6379/0""#),
                                    (Self.djangoRedisCache, #""redis://:2024;Secret@h:6379/0""#)] {
            let message = refusal(backend, location)
            #expect(message?.contains("is not a Redis URL") == true, "\(location)")
            #expect(message?.contains("2024") == false && message?.contains("Secret") == false, "\(location)")
        }
    }
}
