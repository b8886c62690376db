import Testing
@testable import CachalotKit

/// django-valkey 0.4 beside django-redis: the same client design under its
/// own class paths, with floats stored as text (util.encode) and its own
/// herd Marker; the interop runs (django-valkey, -zlib-herd, -shard) check
/// the bytes against the live package.
struct DjangoValkeyTests {
    static let stamp = 1795775931.053213

    func options(_ settings: String, location: String = #""valkey://127.0.0.1:6379/2""#, top: String = "") throws -> RedisOptions {
        let text = #"{\#(top)"CACHES": {"default": {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": \#(location), "OPTIONS": {\#(settings)}}}, "#
            + #""DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/db.sqlite3"}}}"#
        let loaded = try SettingsLoader.load(SettingsFile(path: "/etc/cachalot.json", format: .json, text: text),
                                             environment: [:], currentDirectory: "/")
        return try RedisOptions(loaded.caches["default"]!, timeoutOverride: nil)
    }

    func refusal(_ settings: String, top: String = "") -> String? {
        do { _ = try options(settings, top: top) } catch let error as CachalotError where error.exitCode == .usage { return error.message } catch { return "\(error)" }
        return nil
    }

    @Test func floatsAreTextAndEverythingElseAsDjangoRedisWritesIt() throws {
        let codec = RedisValueCodec(serializer: .pickle(protocol: 4), compression: .zlib, library: .djangoValkey)
        #expect(try codec.encode(.float(Self.stamp)) == Array("1795775931.053213".utf8))
        #expect(try codec.encode(.float(3.0)) == Array("3.0".utf8))
        #expect(try codec.encode(.int(42)) == Array("42".utf8))
        // A bool is pickled (the exact type is not int), short enough to stay uncompressed.
        #expect(try codec.encode(.bool(true)) == [0x80, 0x04, 0x88, 0x2e])
        #expect(try codec.decode(Array("1795775931.053213".utf8)) == .float(Self.stamp))
        #expect(try codec.decode(Array("-7".utf8)) == .float(-7), "isdigit() is false for a sign: float()")
        #expect(try codec.decode(Array("42".utf8)) == .int(42))
        // What django-redis wrote (a pickled float) reads too, as the site reads it.
        let pickled = try RedisValueCodec(serializer: .pickle(protocol: 4)).encode(.float(Self.stamp))
        #expect(try codec.decode(pickled) == .float(Self.stamp))
        #expect(PlainNumber.parse(Array("0x10".utf8)) == nil, "float() takes no hexadecimal")
    }

    @Test func herdWrapsWithItsOwnMarkerAndCompressesPastFifteenBytes() throws {
        let codec = RedisValueCodec(serializer: .pickle(protocol: 4), compression: .lzma, herd: true, library: .djangoValkey)
        let written = try codec.encode(.float(Self.stamp), timeout: 300, now: 1_795_775_900)
        // lzma waits for 100 bytes in django-redis, 15 in django-valkey: the ~70-byte tuple is compressed.
        let inflated = try LzmaCompressor().decompress(written, limit: 1 << 20)
        guard case .tuple(let items) = try PickleReader.read(inflated), items.count == 3,
              case .object(.global(let module, let name), _, _) = items[0] else { Issue.record("not a herd tuple"); return }
        #expect(module == "django_valkey.base_client" && name == "Marker")
        #expect(items[1] == .float(Self.stamp) && items[2] == .int(1_795_776_200))
        #expect(try codec.decode(written) == .float(Self.stamp))
    }

    @Test func valkeyURLsAndClientsAreReadAsTheSiteReadsThem() throws {
        let read = try options(#""CLIENT_CLASS": "django_valkey.client.ShardClient""#,
                               location: #"["valkey://127.0.0.1:7001/0", "valkeys://127.0.0.1:7002/0"]"#)
        #expect(read.endpoints.map(\.description) == ["redis://127.0.0.1:7001/0", "rediss://127.0.0.1:7002/0"])
        #expect(read.codec.library == .djangoValkey && read.expiresInMilliseconds)
        #expect(refusal(#""CLIENT_CLASS": "django_valkey.client.SentinelClient""#)?.contains("replicas when it means the primary") == true)
        #expect(refusal(#""COMPRESSOR": "django_valkey.compressors.zstd.ZStdCompressor""#)?.contains("not a django-valkey compressor") == true)
        #expect(refusal(#""CLIENT_CLASS": "django_redis.client.DefaultClient""#)?.contains("not a django-valkey client") == true)
        #expect(refusal(#""SERIALIZER": "django_valkey.serializers.msgspec.MsgSpecJsonSerializer""#) != nil)
    }

    @Test func theSitesCompressionSettingsAreFollowedOrRefused() throws {
        let zlib = #""COMPRESSOR": "django_valkey.compressors.zlib.ZlibCompressor""#
        #expect(try options(zlib).codec.threshold == 15)
        #expect(try options(zlib, top: #""CACHE_COMPRESS_MIN_LENGTH": 1000, "#).codec.threshold == 1000)
        #expect(refusal(zlib, top: #""CACHE_COMPRESS_LEVEL": 9, "#)?.contains("CACHE_COMPRESS_LEVEL = 9") == true)
        // Without a compressor the level changes nothing.
        #expect(refusal("", top: #""CACHE_COMPRESS_LEVEL": 9, "#) == nil)
    }
}
