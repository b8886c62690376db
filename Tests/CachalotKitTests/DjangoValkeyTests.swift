import CachalotTestSupport
import Testing
@testable import CachalotKit

/// django-valkey 0.4 beside django-redis: the same client design under its
/// own class paths, with floats stored as text (util.encode) and its own
/// herd Marker; the interop runs (django-valkey, -zlib-herd, -shard) check
/// the bytes against the live package.
struct DjangoValkeyTests {
    static let stamp = 1795775931.053213

    func options(_ settings: String, location: String = #""valkey://127.0.0.1:6379/2""#, top: String = "") throws -> RedisOptions {
        try loadRedisOptions(backend: "django_valkey.cache.ValkeyCache", cache: #""LOCATION": \#(location), "OPTIONS": {\#(settings)}"#, top: top)
    }

    func refusal(_ settings: String, top: String = "") -> String? {
        usageRefusal { _ = try options(settings, top: top) }
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
        // valkey-py's SSLConnection: no host name check unless asked (redis-py checks by default).
        #expect(read.endpoints[1].tls?.checkHostname == false && read.endpoints[1].tls?.verifyPeer == true)
        let checked = try options("", location: #""valkeys://127.0.0.1:7002/0?ssl_check_hostname=true""#)
        #expect(checked.endpoints[0].tls?.checkHostname == true)
        #expect(refusal(#""CLIENT_CLASS": "django_valkey.client.SentinelClient""#)?.contains("replicas when it means the primary") == true)
        #expect(refusal(#""COMPRESSOR": "django_valkey.compressors.zstd.ZStdCompressor""#)?.contains("not a django-valkey compressor") == true)
        #expect(refusal(#""CLIENT_CLASS": "django_redis.client.DefaultClient""#)?.contains("not a django-valkey client") == true)
        #expect(refusal(#""SERIALIZER": "django_valkey.serializers.msgspec.MsgSpecJsonSerializer""#) != nil)
    }

    /// A connection factory decides which server LOCATION names: only the package's own.
    @Test func onlyThePackagesOwnConnectionFactoryIsAccepted() throws {
        #expect(refusal(#""CONNECTION_FACTORY": "django_valkey.pool.ConnectionFactory""#) == nil)
        #expect(refusal(#""CONNECTION_FACTORY": "mysite.pools.RoundRobin""#)?.contains("decides which server gets the site's writes") == true)
        #expect(refusal(#""CONNECTION_FACTORY": "django_valkey.pool.SentinelConnectionFactory""#) != nil, "Sentinel's only with its client")
        #expect(refusal("", top: #""DJANGO_VALKEY_CONNECTION_FACTORY": "mysite.pools.RoundRobin", "#)?.contains("DJANGO_VALKEY_CONNECTION_FACTORY") == true)
        #expect(refusal("", top: #""DJANGO_VALKEY_CONNECTION_FACTORY": "django_valkey.pool.ConnectionFactory", "#) == nil)
        // django-redis's setting means nothing to django-valkey.
        #expect(refusal("", top: #""DJANGO_REDIS_CONNECTION_FACTORY": "mysite.pools.RoundRobin", "#) == nil)
    }

    @Test func theSitesCompressionSettingsAreFollowedOrRefused() throws {
        let zlib = #""COMPRESSOR": "django_valkey.compressors.zlib.ZlibCompressor""#
        #expect(try options(zlib).codec.threshold == 15)
        #expect(try options(zlib, top: #""CACHE_COMPRESS_MIN_LENGTH": 1000, "#).codec.threshold == 1000)
        #expect(refusal(zlib, top: #""CACHE_COMPRESS_LEVEL": 9, "#)?.contains("CACHE_COMPRESS_LEVEL changes the bytes") == true)
        #expect(refusal(zlib, top: #""COMPRESS_ZLIB_WBITS": -15, "#)?.contains("COMPRESS_ZLIB_WBITS") == true)
        #expect(refusal(zlib, top: #""CACHE_COMPRESS_MIN_LENGTH": "20", "#)?.contains("expected an integer") == true)
        // The defaults, a level of 0 (`level or 6`) and another compressor's settings change nothing.
        #expect(refusal(zlib, top: #""CACHE_COMPRESS_LEVEL": 0, "COMPRESS_ZLIB_WBITS": 15, "COMPRESS_LZ4_BLOCK_SIZE": 7, "#) == nil)
        // Without a compressor nothing is compressed.
        #expect(refusal("", top: #""CACHE_COMPRESS_LEVEL": 9, "#) == nil)
    }

    /// PlainNumber.parse against Python's own `int(v) if v.isdigit() else float(v)`.
    @Test func numbersAreReadAsPythonReadsThem() throws {
        let inputs = ["1795775931.053213", "42", "-7", "+5", " 1.5", "1.5\n", "\t3\t", "1e5", "1E-5", "1e500", "-0", ".5", "5.", "5._0",
                      "1_000", "1_0.5", "1e5_0", "1__0", "_1", "1_", "1_.5", "inf", "-Infinity", "nan", "-nan", "NaN", "snan", "nan(1)",
                      "0x10", "1\u{0}", "", " ", ".", "e5", "1e", "1e+", "--1", "1.2.3", "abc", "\u{0663}", "12345678901234567890123"]
        let folder = try TemporaryDirectory("cachalot-plain-numbers")
        try folder.write("inputs", inputs.map { TextFormatting.hex(bytes: Array($0.utf8)) }.joined(separator: "\n") + "\n")
        try folder.write("read.py", """
            import sys
            for line in open(sys.argv[1]).read().split("\\n")[:-1]:
                value = bytes.fromhex(line)
                try:
                    read = int(value) if value.isdigit() else float(value)
                    print(("int:%d" if isinstance(read, int) else "float:%r") % read)
                except ValueError:
                    print("none")
            """)
        let python = try #require(ChildProcess.locate("python3"), "python3 is needed to compare with float()")
        #expect(try ChildProcess.run([python, folder.file("read.py"), folder.file("inputs")], output: folder.file("read")) == 0)
        let expected = String(decoding: try #require(try FileSystem.read(folder.file("read"))), as: UTF8.self).split(separator: "\n").map(String.init)
        try #require(expected.count == inputs.count)
        for (input, python) in zip(inputs, expected) {
            let ours: String
            switch PlainNumber.parse(Array(input.utf8)) {
            case .int(let number)?: ours = "int:\(number)"
            case .float(let number)?: ours = "float:" + PythonFloatRepr.repr(number)
            case nil: ours = "none"
            default: ours = "other"
            }
            // Python reads digits beyond 64 bits as a big int; cachalot leaves them unread.
            if python.hasPrefix("int:"), ours == "none", input.count > 18 { continue }
            #expect(ours == python, "\(input.debugDescription)")
        }
    }
}
